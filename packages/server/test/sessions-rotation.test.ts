/**
 * Signing-key rotation by `kid`, through the real server, with the clock under the test's
 * control (only `Date` is faked: sockets and timers run for real).
 */
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { forEachBackend, useHarness } from './harness.js'
import { sessionToken } from './sessions-helpers.js'

const T0 = Date.parse('2030-01-01T00:00:00Z')
const DAY = 86_400_000
const HOUR = 3_600_000

forEachBackend('sessions: key rotation', (backend) => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
  })
  afterAll(() => {
    vi.useRealTimers()
  })
  const h = useHarness(backend, {
    sessions: { keyRotationDays: 1, publishAheadSeconds: 3600, ttlSeconds: 900 },
    // The registry asks the store on every request, so no cached answer hides the clock.
    cache: { ttlMs: 0, maxEntries: 0 },
  })

  const jwks = async () =>
    (
      (await (await h().request('GET', '/.well-known/jwks.json')).json()) as {
        keys: { kid: string }[]
      }
    ).keys.map((key) => key.kid)
  const kidOf = (token: string) => decodeProtectedHeader(token).kid
  const me = (token: string) => h().request('GET', '/v1/users/me', { token })

  it('publishes the next key an hour ahead, signs with it from the boundary, and keeps the old one until its last session expires', async () => {
    const first = await sessionToken(h(), 'admin@example.com')
    const k1 = kidOf(first)
    expect(await jwks()).toEqual([k1])

    // An hour before the boundary: the successor is published, not yet signing.
    vi.setSystemTime(T0 + DAY - HOUR)
    const keys = await jwks()
    expect(keys).toHaveLength(2)
    expect(keys[0]).toBe(k1)
    const k2 = keys[1]
    expect(kidOf(await sessionToken(h(), 'admin@example.com'))).toBe(k1)

    // A minute before the boundary: a session signed by the old key...
    vi.setSystemTime(T0 + DAY - 60_000)
    const late = await sessionToken(h(), 'admin@example.com')
    expect(kidOf(late)).toBe(k1)

    // ...still works after it: new sessions are signed by the successor.
    vi.setSystemTime(T0 + DAY + 10_000)
    const next = await sessionToken(h(), 'admin@example.com')
    expect(kidOf(next)).toBe(k2)
    expect((await me(late)).status).toBe(200)
    expect((await me(next)).status).toBe(200)
    expect(await jwks()).toEqual([k1, k2])

    // When the old key's last session has expired (ttl + leeway), it leaves the JWKS.
    vi.setSystemTime(T0 + DAY + 900_000 + 90_000 + 1000)
    expect(await jwks()).toEqual([k2])
    // Both sessions have expired by now; new ones keep working with the successor alone.
    expect((await me(late)).status).toBe(401)
    const fresh = await sessionToken(h(), 'admin@example.com')
    expect(kidOf(fresh)).toBe(k2)
    expect((await me(fresh)).status).toBe(200)
    expect((await h().store.signingKeys.list()).map((key) => key.kid)).toEqual([k2])
  })
})
