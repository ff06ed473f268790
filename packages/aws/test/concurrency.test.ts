import { randomBytes } from 'node:crypto'
import { Agent } from 'node:http'
import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import type { SecretRefreshEvent } from '@keygate/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { awsSecretsManager } from '../src/index.js'
import { callThings, manualClock, startKeygateApp } from './keygate-app.js'
import { startMockSecretsManager, type MockSecretsManager } from './mock-secrets-manager.js'
import { createTestClient } from './test-client.js'

const TTL_MS = 500
const CONCURRENCY = 500

let mock: MockSecretsManager
let sdk: SecretsManagerClient
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })

beforeAll(async () => {
  mock = await startMockSecretsManager()
  sdk = createTestClient(mock)
})
afterAll(async () => {
  agent.destroy()
  sdk.destroy()
  await mock.close()
})

it(`${CONCURRENCY} concurrent requests at cache expiry cause one GetSecretValue per stage`, async () => {
  const OLD = randomBytes(32).toString('base64url')
  const NEW = randomBytes(32).toString('base64url')
  const secretId = 'prod/concurrency'
  mock.createSecret(secretId, OLD)
  const clock = manualClock()
  const refreshes: SecretRefreshEvent[] = []
  const app = await startKeygateApp({
    source: awsSecretsManager({ secretId, client: sdk }),
    cache: { ttlMs: TTL_MS, now: clock.now, onRefresh: (e) => refreshes.push(e) },
  })
  try {
    expect((await callThings(app.url, OLD, agent)).status).toBe(200)
    expect(mock.gets('AWSCURRENT')).toBe(1)
    expect(mock.gets('AWSPENDING')).toBe(1)

    await sdk.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: NEW,
        VersionStages: ['AWSPENDING'],
      }),
    )
    mock.resetCounts()
    // The endpoint is a little slow, so the refresh is still in flight while requests pile up.
    mock.delayMs = 100
    clock.advance(TTL_MS + 1)

    const answers = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) =>
        callThings(app.url, i % 2 === 0 ? OLD : NEW, agent),
      ),
    )
    expect(answers.filter((a) => a.status !== 200)).toEqual([])
    expect(mock.gets('AWSCURRENT')).toBe(1)
    expect(mock.gets('AWSPENDING')).toBe(1)
    expect(mock.gets()).toBe(2)
    expect(refreshes.map((r) => [r.ok, r.count])).toEqual([
      [true, 1],
      [true, 2],
    ])
  } finally {
    mock.delayMs = 0
    await app.close()
  }
})
