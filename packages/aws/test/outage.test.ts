import { randomBytes } from 'node:crypto'
import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { awsSecretsManager } from '../src/index.js'
import {
  callThings,
  captureLogs,
  manualClock,
  startKeygateApp,
  type KeygateApp,
} from './keygate-app.js'
import {
  AWS_ERRORS,
  startMockSecretsManager,
  type MockFailure,
  type MockSecretsManager,
} from './mock-secrets-manager.js'
import { createTestClient } from './test-client.js'

const secret = () => randomBytes(32).toString('base64url')
const TTL_MS = 1_000
const MAX_STALE_MS = 5_000

let mock: MockSecretsManager
let sdk: SecretsManagerClient
const apps: KeygateApp[] = []
let n = 0

beforeAll(async () => {
  mock = await startMockSecretsManager()
  sdk = createTestClient(mock)
})
afterEach(async () => {
  mock.failWith(undefined)
  mock.delayMs = 0
  await Promise.all(apps.splice(0).map((a) => a.close()))
})
afterAll(async () => {
  sdk.destroy()
  await mock.close()
})

/** A secret in the mock and an app reading it, on a clock the test moves. */
async function setup(options: { timeoutMs?: number } = {}) {
  const S = secret()
  const secretId = `prod/outage-${++n}`
  mock.createSecret(secretId, S)
  const clock = manualClock()
  const { logger, lines } = captureLogs()
  const app = await startKeygateApp({
    source: awsSecretsManager({ secretId, client: sdk }),
    // retryMs 0: every request past the TTL asks the source again, so each step below is one attempt.
    cache: {
      ttlMs: TTL_MS,
      maxStaleMs: MAX_STALE_MS,
      retryMs: 0,
      timeoutMs: options.timeoutMs ?? 2_000,
      now: clock.now,
    },
    logger,
  })
  apps.push(app)
  return { S, secretId, clock, app, lines, logs: () => lines.join('\n') }
}

describe('an outage of Secrets Manager with a warm cache', () => {
  it('serves the stale secret up to maxStale, then 503; wrong tokens stay 401 meanwhile', async () => {
    const { S, app, clock, lines, logs } = await setup()
    expect((await callThings(app.url, S)).status).toBe(200)

    mock.failWith(AWS_ERRORS.internal)
    clock.advance(TTL_MS + 1)
    expect((await callThings(app.url, S)).status).toBe(200)
    expect(await callThings(app.url, secret())).toMatchObject({
      status: 401,
      code: 'invalid_token',
    })
    expect(await callThings(app.url, undefined)).toMatchObject({
      status: 401,
      code: 'missing_credentials',
    })
    expect((await app.cache.get()).stale).toBe(true)
    expect(
      lines.some(
        (l) =>
          l.includes('keygate: secret source failed') && l.includes('"errorCode":"unavailable"'),
      ),
    ).toBe(true)

    clock.advance(MAX_STALE_MS - 2)
    expect((await callThings(app.url, S)).status).toBe(200)

    clock.advance(2)
    const refused = await callThings(app.url, S)
    expect(refused).toMatchObject({
      status: 503,
      code: 'auth_unavailable',
      retryAfter: expect.stringMatching(/^[1-9][0-9]*$/),
    })
    // Past maxStale the answer says nothing about the secret: right and wrong get the same 503.
    expect(await callThings(app.url, secret())).toMatchObject({
      status: 503,
      code: 'auth_unavailable',
    })

    mock.failWith(undefined)
    expect((await callThings(app.url, S)).status).toBe(200)
    expect(logs()).not.toContain(S)
  })

  it('an outage from a cold start is 503 for every caller', async () => {
    mock.failWith(AWS_ERRORS.internal)
    const { S, app, logs } = await setup()
    for (const token of [S, secret(), undefined]) {
      expect(await callThings(app.url, token)).toMatchObject({
        status: 503,
        code: 'auth_unavailable',
        retryAfter: expect.stringMatching(/^[1-9][0-9]*$/),
      })
    }
    expect(logs()).toMatch(/server error \(InternalServiceError, HTTP 500\)/)
    expect(logs()).not.toContain(S)
  })

  it('a malformed payload is an outage too: stale, then 503; never an empty secret', async () => {
    const { S, secretId, app, clock, logs } = await setup()
    expect((await callThings(app.url, S)).status).toBe(200)
    await sdk.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: '' }))
    clock.advance(TTL_MS + 1)
    expect((await callThings(app.url, S)).status).toBe(200)
    clock.advance(MAX_STALE_MS)
    expect(await callThings(app.url, S)).toMatchObject({ status: 503, code: 'auth_unavailable' })
    // An empty credential can never match: the request has none, and the source has no empty secret.
    expect((await callThings(app.url, undefined)).status).toBe(503)
    expect(logs()).toContain(`AWS Secrets Manager: ${secretId} (AWSCURRENT) is empty`)
  })
})

describe('a slow Secrets Manager', () => {
  it('request latency is bounded by the source timeout, and the SDK call is aborted', async () => {
    mock.delayMs = 30_000
    const abortedBefore = mock.aborted
    const { S, app, logs } = await setup({ timeoutMs: 200 })
    const started = performance.now()
    const answer = await callThings(app.url, S)
    const elapsed = performance.now() - started
    expect(answer).toMatchObject({ status: 503, code: 'auth_unavailable' })
    // Generous bound: the point is that the request does not wait for the 30 s endpoint.
    expect(elapsed).toBeLessThan(10_000)
    expect(logs()).toMatch(/"errorCode":"timeout"/)
    await vi.waitFor(() => expect(mock.aborted).toBeGreaterThanOrEqual(abortedBefore + 2))
  })

  it('with a warm cache, a slow refresh serves the stale set instead of waiting', async () => {
    const { S, app, clock } = await setup({ timeoutMs: 200 })
    expect((await callThings(app.url, S)).status).toBe(200)
    mock.delayMs = 30_000
    clock.advance(TTL_MS + 1)
    expect((await callThings(app.url, S)).status).toBe(200)
    expect((await app.cache.get()).stale).toBe(true)
  })
})

describe('throttling and access denied', () => {
  const cases: [string, MockFailure, RegExp][] = [
    [
      'throttling',
      AWS_ERRORS.throttling,
      /"errorCode":"throttled".*throttled \(ThrottlingException\)/,
    ],
    [
      'access denied',
      AWS_ERRORS.accessDenied,
      /"errorCode":"access_denied".*access denied \(AccessDeniedException\): the caller's IAM policy must allow secretsmanager:GetSecretValue/,
    ],
  ]

  for (const [name, failure, logged] of cases) {
    it(`${name} from a cold start: 503, reported clearly in the log without the secret`, async () => {
      mock.failWith(failure)
      const { S, secretId, app, logs } = await setup()
      expect(await callThings(app.url, S)).toMatchObject({ status: 503, code: 'auth_unavailable' })
      expect(logs()).toMatch(logged)
      expect(logs()).toContain(`GetSecretValue of ${secretId} (AWSCURRENT) failed`)
      expect(logs()).not.toContain(S)
      // The AWS message (which names the role) is not copied into keygate's log line.
      expect(logs()).not.toContain('assumed-role')
    })

    it(`${name} with a warm cache: the stale rules apply (then 503)`, async () => {
      const { S, app, clock } = await setup()
      expect((await callThings(app.url, S)).status).toBe(200)
      mock.failWith(failure)
      clock.advance(TTL_MS + 1)
      expect((await callThings(app.url, S)).status).toBe(200)
      expect((await callThings(app.url, secret())).status).toBe(401)
      clock.advance(MAX_STALE_MS)
      expect((await callThings(app.url, S)).status).toBe(503)
    })
  }

  it('a throttled AWSPENDING read fails the whole load (not read as "no rotation")', async () => {
    const { S, app, clock, logs } = await setup()
    expect((await callThings(app.url, S)).status).toBe(200)
    mock.failWith(AWS_ERRORS.throttling, { stage: 'AWSPENDING' })
    clock.advance(TTL_MS + 1)
    expect((await callThings(app.url, S)).status).toBe(200)
    expect((await app.cache.get()).stale).toBe(true)
    expect(logs()).toMatch(/\(AWSPENDING\) failed: throttled/)
  })
})
