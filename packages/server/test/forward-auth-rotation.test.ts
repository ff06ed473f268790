/**
 * Gateway assertions rotate with the session keys (one keyring): the check signs with the key
 * that signs sessions now, and every assertion verifies against the published JWKS across the
 * boundary. Only `Date` is faked; sockets and timers run for real.
 */
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { EDGE_CONFIG, traefikHeaders, verifyAssertion } from './edge-helpers.js'
import { useHarness } from './harness.js'
import { sessionToken } from './sessions-helpers.js'

const T0 = Date.parse('2030-01-01T00:00:00Z')
const DAY = 86_400_000

describe('Keygate-Assertion key rotation', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
  })
  afterAll(() => {
    vi.useRealTimers()
  })
  const h = useHarness('sqlite', {
    ...EDGE_CONFIG,
    sessions: { ...EDGE_CONFIG.sessions, keyRotationDays: 1, publishAheadSeconds: 3600 },
    forwardAuth: { ...EDGE_CONFIG.forwardAuth, assertionTtlSeconds: 60 },
  })

  async function assertion(token: string): Promise<string> {
    const res = await fetch(`${h().url}/v1/auth/check`, {
      headers: traefikHeaders('GET', '/x', { authorization: `Bearer ${token}` }),
    })
    expect(res.status).toBe(200)
    return res.headers.get('keygate-assertion')!
  }
  const kid = (jwt: string) => decodeProtectedHeader(jwt).kid

  it('signs with the session key of the moment, and both generations verify against the JWKS', async () => {
    await h().user('rot@example.com')
    const { token } = await h().token('rot@example.com')
    const before = await assertion(token)
    const session = await sessionToken(h(), 'rot@example.com')
    expect(kid(before)).toBe(kid(session))

    // Twenty seconds before the boundary the old key still signs...
    vi.setSystemTime(T0 + DAY - 20_000)
    const late = await assertion(token)
    expect(kid(late)).toBe(kid(before))
    // ...and after it the successor does; the old key stays published, so both verify.
    vi.setSystemTime(T0 + DAY + 10_000)
    const after = await assertion(token)
    expect(kid(after)).not.toBe(kid(before))
    expect(kid(after)).toBe(kid(await sessionToken(h(), 'rot@example.com')))
    for (const jwt of [late, after]) {
      expect(await verifyAssertion(h(), jwt, 'https://app.example.test')).toMatchObject({
        ok: true,
      })
    }
    // Issued a day ago: long expired, whatever key signed it.
    expect(await verifyAssertion(h(), before, 'https://app.example.test')).toMatchObject({
      ok: false,
      error: { code: 'invalid_token', detail: 'The assertion has expired' },
    })
  })
})
