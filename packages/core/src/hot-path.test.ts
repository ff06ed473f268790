/**
 * The mechanisms the benchmark's figures rest on (docs/benchmarks.md), pinned as behaviour:
 * a verified request on the hot path answers without a promise, reuses the principal it was
 * given before, and builds one core request however many checks it goes through. Timing is the
 * benchmark's business, never a test's.
 */
import { describe, expect, it } from 'vitest'
import { adapterKit } from './adapter-kit.js'
import { apiTokens } from './api-tokens/api-tokens.js'
import { digestAPIToken } from './api-tokens/digest-api-token.js'
import { generateAPIToken } from './api-tokens/generate-api-token.js'
import { headersFromRaw, type AuthRequest } from './auth-request.js'
import type { Verdict } from './authenticator.js'
import { createAuthenticator } from './create-authenticator.js'
import { isThenable } from './lib/is-thenable.js'
import { serviceToken } from './service-token.js'
import { staticSecrets } from './sources/env.js'
import { SECRET } from '../test/authenticator-fixtures.js'

function bearer(token: string): AuthRequest {
  return {
    method: 'GET',
    path: '/things',
    header: headersFromRaw(['Host', 'api.test', 'Authorization', `Bearer ${token}`]),
  }
}

/** The verdict, failing the test when it came as a promise (a hop on the hot path). */
function sync(verdict: Verdict | Promise<Verdict>): Verdict {
  expect(isThenable(verdict), 'the verdict came as a promise').toBe(false)
  return verdict as Verdict
}

function principalOf(verdict: Verdict): unknown {
  if (!verdict.ok) throw new Error(`refused: ${verdict.error.code}`)
  return verdict.principal
}

describe('the hot path', () => {
  it('serviceToken with a fresh secret cache: no promise, one shared principal', async () => {
    const gate = createAuthenticator({
      strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
    })
    await gate.check(bearer(SECRET)) // the first request loads the secrets
    const first = principalOf(sync(gate.check(bearer(SECRET))))
    const second = principalOf(sync(gate.check(bearer(SECRET))))
    expect(second).toBe(first)
  })

  it('apiTokens with the verification cache warm: no promise, the cached principal again', async () => {
    const { token } = generateAPIToken()
    const digest = await digestAPIToken(token)
    const expiresAt = new Date(Date.now() + 3_600_000)
    let lookups = 0
    const strategy = apiTokens({
      store: {
        findByDigest: (d) => {
          lookups++
          return Promise.resolve(
            d === digest
              ? {
                  id: 'tok_1',
                  userId: 'u1',
                  scopes: ['things:read'],
                  expiresAt,
                  revokedAt: null,
                  userDisabled: false,
                }
              : undefined,
          )
        },
      },
    })
    const gate = createAuthenticator({ strategies: [strategy] })
    const looked = await gate.check(bearer(token))
    const first = principalOf(sync(gate.check(bearer(token), ['things:read'])))
    const second = principalOf(sync(gate.check(bearer(token))))
    expect(lookups).toBe(1)
    expect(second).toBe(first)
    // The principal served from the cache is the one the lookup built, not a copy of it.
    expect(first).toBe(principalOf(looked))

    // An invalidation drops it with the entry: the next lookup builds a new one.
    strategy.invalidate('tok_1')
    const relooked = principalOf(await gate.check(bearer(token)))
    expect(lookups).toBe(2)
    expect(relooked).not.toBe(first)
    expect(relooked).toEqual(first)
  })

  it('a gate and a later scope check on one request build one core request', async () => {
    const gate = createAuthenticator({
      strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
    })
    await gate.check(bearer(SECRET))
    type Req = { id: number }
    const kit = adapterKit<Req>((r) => r)
    let built = 0
    const adapterGate = {
      authenticator: gate,
      toAuthRequest: () => {
        built++
        return bearer(SECRET)
      },
    }
    const request: Req = { id: 1 }
    sync(kit.check(adapterGate, request, []))
    sync(kit.check(adapterGate, request, []))
    expect(built).toBe(1)
    // Another request builds its own.
    sync(kit.check(adapterGate, { id: 2 }, []))
    expect(built).toBe(2)
  })
})
