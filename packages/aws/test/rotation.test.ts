import { randomBytes } from 'node:crypto'
import { Agent } from 'node:http'
import {
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { createServiceFetch } from '@keygate/client'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { awsSecretsManager } from '../src/index.js'
import { callThings, captureLogs, startKeygateApp, type KeygateApp } from './keygate-app.js'
import { startMockSecretsManager, type MockSecretsManager } from './mock-secrets-manager.js'
import { createTestClient } from './test-client.js'

// Short TTLs so a rotation plays out in seconds; nothing below asserts a duration: each step
// waits for the state it needs (what the caches hold), then moves on.
const TTL_MS = 300
const WAIT = { timeout: 15_000, interval: 25 }

let mock: MockSecretsManager
let sdk: SecretsManagerClient
let app: KeygateApp
const agent = new Agent({ keepAlive: true, maxSockets: 64 })
const { logger, lines } = captureLogs()

beforeAll(async () => {
  mock = await startMockSecretsManager()
  sdk = createTestClient(mock)
})
afterAll(async () => {
  agent.destroy()
  await app?.close()
  sdk.destroy()
  await mock.close()
})

type Worker = { name: string; statuses: number[]; stop(): Promise<void> }

// A caller sending requests back to back until stopped.
function worker(name: string, call: () => Promise<number>): Worker {
  const statuses: number[] = []
  let running = true
  const loop = (async () => {
    while (running) statuses.push(await call())
  })()
  return {
    name,
    statuses,
    async stop() {
      running = false
      await loop
    },
  }
}

const secret = () => randomBytes(32).toString('base64url')

it('a full rotation under continuous load: zero 401s for active secrets, the retired one refused', async () => {
  const OLD = secret()
  const NEW = secret()
  const secretId = 'prod/keygate/service-token'
  const { versionId: oldVersion } = mock.createSecret(secretId, JSON.stringify({ token: OLD }))

  // The backend accepts AWSCURRENT, AWSPENDING and, for a grace window, AWSPREVIOUS.
  app = await startKeygateApp({
    source: awsSecretsManager({
      secretId,
      field: 'token',
      client: sdk,
      stages: ['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS'],
    }),
    cache: { ttlMs: TTL_MS },
    logger,
  })
  // The gateway reads the same secret with @keygate/client (it sends AWSCURRENT), with a longer
  // TTL than the backend's: it switches after the backend has seen the promotion. It does not
  // retry here, so that any 401 it meets is counted.
  const gateway = createServiceFetch({
    source: awsSecretsManager({ secretId, field: 'token', client: sdk }),
    cache: { ttlMs: 4 * TTL_MS },
    origins: [app.url],
    retryOnInvalidToken: false,
    logger,
  })
  const held = async () => (await app.cache.get()).secrets.map((s) => s.value).sort()
  const gatewaySends = async () =>
    (await gateway.cache.get()).secrets.find((s) => s.label === 'current')?.value

  const withOld = [1, 2, 3].map((i) =>
    worker(`old-${i}`, async () => (await callThings(app.url, OLD, agent)).status),
  )
  const viaGateway = [1, 2].map((i) =>
    worker(`gateway-${i}`, async () => {
      const res = await gateway(`${app.url}/v1/things`)
      await res.body?.cancel()
      return res.status
    }),
  )
  const served = (workers: Worker[], n: number) => workers.every((w) => w.statuses.length >= n)
  await vi.waitFor(() => expect(served([...withOld, ...viaGateway], 5)).toBe(true), WAIT)

  // 1. createSecret: the rotation puts the new value as AWSPENDING.
  const put = await sdk.send(
    new PutSecretValueCommand({
      SecretId: secretId,
      SecretString: JSON.stringify({ token: NEW }),
      VersionStages: ['AWSPENDING'],
    }),
  )
  const newVersion = put.VersionId!
  await vi.waitFor(async () => expect(await held()).toEqual([NEW, OLD].sort()), WAIT)

  // 2. Switch the callers that hold the secret themselves: they may use the new one now.
  const withNew = [1, 2, 3].map((i) =>
    worker(`new-${i}`, async () => (await callThings(app.url, NEW, agent)).status),
  )
  await vi.waitFor(() => expect(served(withNew, 5)).toBe(true), WAIT)
  await Promise.all(withOld.map((w) => w.stop()))

  // 3. finishSecret: AWSCURRENT moves to the new version; the old one becomes AWSPREVIOUS.
  await sdk.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: newVersion,
      RemoveFromVersionId: oldVersion,
    }),
  )
  expect(mock.stagesOf(secretId)).toMatchObject({ AWSCURRENT: newVersion, AWSPREVIOUS: oldVersion })
  await vi.waitFor(async () => expect(await gatewaySends()).toBe(NEW), WAIT)
  const gatewayBefore = viaGateway.map((w) => w.statuses.length)
  await vi.waitFor(
    () => expect(viaGateway.every((w, i) => w.statuses.length >= gatewayBefore[i]! + 5)).toBe(true),
    WAIT,
  )

  // 4. Retire the old secret: AWSPREVIOUS leaves it, and once the TTL has passed it is refused.
  await sdk.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: 'AWSPREVIOUS',
      RemoveFromVersionId: oldVersion,
    }),
  )
  await vi.waitFor(async () => expect(await held()).toEqual([NEW]), WAIT)
  await Promise.all([...withNew, ...viaGateway].map((w) => w.stop()))

  for (const w of [...withOld, ...withNew, ...viaGateway]) {
    expect(w.statuses.length, w.name).toBeGreaterThan(0)
    expect(
      w.statuses.filter((s) => s !== 200),
      `${w.name} got only 200s`,
    ).toEqual([])
  }
  expect(app.decisions.filter((d) => d.outcome !== 'allow')).toEqual([])

  const retired = await callThings(app.url, OLD)
  expect(retired).toMatchObject({ status: 401, code: 'invalid_token' })
  expect(retired.wwwAuthenticate).toMatch(/error="invalid_token"/)
  expect((await callThings(app.url, NEW)).status).toBe(200)

  const logs = lines.join('\n')
  expect(logs).not.toContain(OLD)
  expect(logs).not.toContain(NEW)
})
