/**
 * Sessions across instances: each instance remembers live sessions for `cache.ttlMs` (10 minutes
 * here, so only the revocation bus can explain a refusal). A logout or a disabled user on A is
 * refused by B once B has received the bus message — waited for as an event, never a fixed time.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ServerConfigInput } from '../src/index.js'
import type { Revocation, RevocationBus } from '../src/revocation/index.js'
import { forEachBackend, startHarness, type Harness } from './harness.js'
import { startPeer, type Peer } from './peer.js'
import { deleteKeys, REDIS_URL, redisAvailable, testClient, testKeyPrefix } from './redis.js'
import { sessionToken } from './sessions-helpers.js'

const redisUp = await redisAvailable()

function nextRevocation(bus: RevocationBus | undefined): Promise<Revocation> {
  if (bus === undefined) throw new Error('this instance has no revocation bus')
  return new Promise((resolve) => {
    const remove = bus.subscribe({
      revoked(revocation) {
        remove()
        resolve(revocation)
      },
    })
  })
}

forEachBackend('sessions across instances (revocation bus)', (backend) => {
  // PostgreSQL carries revocations over LISTEN/NOTIFY; SQLite needs Redis.
  if (backend === 'sqlite' && !redisUp) {
    it.skip('Redis unreachable', () => {})
    return
  }
  const prefix = testKeyPrefix()
  let a: Harness
  let b: Peer
  beforeAll(async () => {
    const config: ServerConfigInput = {
      cache: { ttlMs: 600_000, maxEntries: 1000 },
      ...(backend === 'sqlite' ? { redis: { url: REDIS_URL, keyPrefix: prefix } } : {}),
    }
    a = await startHarness(backend, config)
    b = await startPeer(a, config)
  })
  afterAll(async () => {
    await b?.close()
    await a?.close()
    if (backend === 'sqlite') {
      const client = testClient()
      await deleteKeys(client, prefix)
      client.disconnect()
    }
  })

  const me = (target: Harness | Peer, token: string) =>
    target.request('GET', '/v1/users/me', { token })

  it('a logout on one instance is refused by the other', async () => {
    const token = await sessionToken(a, 'admin@example.com')
    expect((await me(b, token)).status).toBe(200) // now live in B's cache
    const received = nextRevocation(b.server.tokenService.revocations)
    expect((await a.request('DELETE', '/v1/auth/sessions/current', { token })).status).toBe(204)
    await received
    expect((await me(b, token)).status).toBe(401)
  })

  it('disabling a user on one instance ends their sessions on the other', async () => {
    const user = await a.user(`multi-${Date.now()}@example.com`)
    const admin = await sessionToken(a, 'admin@example.com')
    const token = await sessionToken(a, user.email)
    expect((await me(b, token)).status).toBe(200)
    const received = nextRevocation(b.server.tokenService.revocations)
    const disable = await a.request('PATCH', `/v1/users/${user.id}`, {
      token: admin,
      body: { disabled: true },
    })
    expect(disable.status).toBe(200)
    await received
    expect((await me(b, token)).status).toBe(401)
  })
})
