import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthenticator } from '../create-authenticator.js'
import { headersFromRecord, type AuthRequest } from '../auth-request.js'
import type { Credential } from '../extract-credential.js'
import { serviceToken } from '../service-token.js'
import { staticSecrets } from '../sources/env.js'
import type { APITokenVerifier, VerifiedAPIToken } from './api-token-verifier.js'
import { apiTokens, type APITokensOptions } from './api-tokens.js'
import { digestAPIToken } from './digest-api-token.js'
import { generateAPIToken } from './generate-api-token.js'

const USER = '5b0c8a4e-8f3a-4c1e-9d59-0a4d8a1b2c3d'
const T0 = new Date('2030-01-01T00:00:00Z')
const request: AuthRequest = { method: 'GET', path: '/x', header: headersFromRecord({}) }

function bearer(token: string): { credential: Credential; request: AuthRequest } {
  return { credential: { kind: 'bearer', header: 'authorization', token }, request }
}

/** A verifier over a map of digests, counting its calls; `fail` makes it throw. */
function memoryVerifier() {
  const records = new Map<string, VerifiedAPIToken>()
  const state = { calls: 0, fail: false }
  const verifier: APITokenVerifier = {
    async findByDigest(digest) {
      state.calls++
      await Promise.resolve()
      if (state.fail) throw new Error('connection refused: password=hunter2')
      return records.get(digest)
    },
  }
  return { verifier, records, state }
}

async function issue(
  records: Map<string, VerifiedAPIToken>,
  fields: Partial<VerifiedAPIToken> = {},
  pepper?: string,
) {
  const { token } = generateAPIToken()
  const record: VerifiedAPIToken = {
    id: `tok_${records.size}`,
    userId: USER,
    scopes: ['things:read'],
    expiresAt: new Date(Date.now() + 86_400_000),
    revokedAt: null,
    userDisabled: false,
    ...fields,
  }
  records.set(await digestAPIToken(token, { pepper }), record)
  return { token, record }
}

function setup(options: Partial<APITokensOptions> = {}) {
  const memory = memoryVerifier()
  const strategy = apiTokens({ store: memory.verifier, ...options })
  return { ...memory, strategy }
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('apiTokens: recognition', () => {
  it('passes on what is not its own, without a store call', async () => {
    const { strategy, state } = setup()
    expect(await strategy.authenticate({ credential: undefined, request })).toBeUndefined()
    expect(
      await strategy.authenticate({
        credential: { kind: 'other-scheme', header: 'authorization', scheme: 'Basic' },
        request,
      }),
    ).toBeUndefined()
    expect(
      await strategy.authenticate({
        credential: { kind: 'header', header: 'x-service-token', value: 'kg_x' },
        request,
      }),
    ).toBeUndefined()
    expect(await strategy.authenticate(bearer('some-service-secret'))).toBeUndefined()
    expect(
      await strategy.authenticate(bearer(generateAPIToken({ prefix: 'cue_sk' }).token)),
    ).toBeUndefined()
    expect(state.calls).toBe(0)
  })

  it('refuses its own prefix with a bad checksum or shape: 401 without a store call', async () => {
    const { strategy, state } = setup()
    const { token } = generateAPIToken()
    const typo = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11)
    for (const bad of [typo, token.slice(0, -1), 'kg_short']) {
      const error = await Promise.resolve(strategy.authenticate(bearer(bad))).catch(
        (e: unknown) => e,
      )
      expect(error).toMatchObject({
        code: 'invalid_token',
        status: 401,
        message: 'The token is malformed',
      })
    }
    expect(state.calls).toBe(0)
  })
})

describe('apiTokens: outcomes', () => {
  it('returns the user principal and reports the use', async () => {
    const onUse = vi.fn()
    const { strategy, records } = setup({ onUse })
    const { token, record } = await issue(records)
    const principal = await strategy.authenticate(bearer(token))
    expect(principal).toEqual({
      kind: 'user',
      subject: USER,
      scopes: ['things:read'],
      via: 'api-token',
      tokenId: record.id,
      expiresAt: record.expiresAt,
    })
    expect(Object.isFrozen(principal)).toBe(true)
    expect(onUse).toHaveBeenCalledWith(record.id, T0)
  })

  it.each([
    ['cache on', undefined, undefined],
    ['cache on, peppered', undefined, 'server-pepper'],
    ['cache off', false, undefined],
    ['cache off, peppered', false, 'server-pepper'],
  ] as const)('asks the store by the stored hex digest (%s)', async (_, cache, pepper) => {
    const asked: string[] = []
    const strategy = apiTokens({
      store: { findByDigest: (digest) => (asked.push(digest), undefined) },
      ...(cache === false && { cache }),
      ...(pepper !== undefined && { pepper }),
    })
    const { token } = generateAPIToken()
    await Promise.resolve(strategy.authenticate(bearer(token))).catch(() => undefined)
    expect(asked).toEqual([await digestAPIToken(token, { pepper })])
    expect(asked[0]).toMatch(/^[0-9a-f]{64}$/)
  })

  it('uses the pepper for the lookup', async () => {
    const { strategy, records } = setup({ pepper: 'server-pepper' })
    const { token } = await issue(records, {}, 'server-pepper')
    expect(await strategy.authenticate(bearer(token))).toMatchObject({ subject: USER })
    const { token: unpeppered } = await issue(records)
    await expect(strategy.authenticate(bearer(unpeppered))).rejects.toMatchObject({
      code: 'invalid_token',
    })
  })

  it.each([
    ['unknown', null, 'The credential is not valid'],
    ['revoked', { revokedAt: new Date(T0.getTime() - 1) }, 'The token has been revoked'],
    ['expired', { expiresAt: T0 }, 'The token has expired'],
    ['disabled user', { userDisabled: true }, 'The user is disabled'],
  ] as const)('refuses a %s token with 401 invalid_token', async (_, fields, message) => {
    const onUse = vi.fn()
    const { strategy, records } = setup({ onUse })
    const { token } =
      fields === null ? { token: generateAPIToken().token } : await issue(records, fields)
    const error = await Promise.resolve(strategy.authenticate(bearer(token))).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({
      name: 'InvalidTokenError',
      code: 'invalid_token',
      status: 401,
      message,
    })
    expect(String((error as Error).message)).not.toContain(token)
    expect(onUse).not.toHaveBeenCalled()
  })

  it('answers 503 auth_unavailable when the store throws, never 401, without its text', async () => {
    const { strategy, records, state } = setup()
    const { token } = await issue(records)
    state.fail = true
    const error = await Promise.resolve(strategy.authenticate(bearer(token))).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({
      name: 'AuthUnavailableError',
      code: 'auth_unavailable',
      status: 503,
      message: 'Authentication is temporarily unavailable',
    })
    state.fail = false
    expect(await strategy.authenticate(bearer(token))).toMatchObject({ subject: USER })
  })

  it('expires a token during its cache lifetime', async () => {
    const { strategy, records, state } = setup({ cache: { ttlMs: 60_000 } })
    const { token } = await issue(records, { expiresAt: new Date(T0.getTime() + 5_000) })
    await strategy.authenticate(bearer(token))
    vi.advanceTimersByTime(5_000)
    await expect(strategy.authenticate(bearer(token))).rejects.toMatchObject({
      message: 'The token has expired',
    })
    expect(state.calls).toBe(2)
  })

  it('refuses a rotated-away secret after its grace period, even if cached', async () => {
    const { strategy, records } = setup({ cache: { ttlMs: 60_000 } })
    const graceUntil = new Date(T0.getTime() + 3_000)
    const { token } = await issue(records, { graceUntil })
    expect(await strategy.authenticate(bearer(token))).toMatchObject({ expiresAt: graceUntil })
    vi.advanceTimersByTime(3_000)
    await expect(strategy.authenticate(bearer(token))).rejects.toMatchObject({
      message: 'The token has been rotated',
    })
  })

  it('logs and ignores an onUse that throws', async () => {
    const warn = vi.fn()
    const { strategy, records } = setup({
      onUse: () => {
        throw new Error('full')
      },
      logger: { warn, error: vi.fn() },
    })
    const { token, record } = await issue(records)
    expect(await strategy.authenticate(bearer(token))).toMatchObject({ subject: USER })
    expect(warn).toHaveBeenCalledWith(
      { tokenId: record.id, error: 'Error' },
      'keygate: apiTokens onUse threw',
    )
  })
})

describe('apiTokens: cache', () => {
  it('answers a successful hit synchronously, and a refused hit with a rejection', async () => {
    const { strategy, records } = setup()
    const { token, record } = await issue(records)
    const { token: revoked } = await issue(records, { revokedAt: new Date() })
    expect(strategy.authenticate(bearer(token))).toBeInstanceOf(Promise)
    await strategy.authenticate(bearer(token))
    expect(strategy.authenticate(bearer(token))).toMatchObject({ tokenId: record.id })
    await expect(strategy.authenticate(bearer(revoked))).rejects.toMatchObject({
      code: 'invalid_token',
    })
    const again = strategy.authenticate(bearer(revoked))
    expect(again).toBeInstanceOf(Promise)
    await expect(again).rejects.toMatchObject({ message: 'The token has been revoked' })
    await expect(strategy.authenticate(bearer('kg_short'))).rejects.toMatchObject({
      message: 'The token is malformed',
    })
  })

  it('serves a hit without a store call, until the TTL', async () => {
    const { strategy, records, state } = setup({ cache: { ttlMs: 10_000 } })
    const { token } = await issue(records)
    await strategy.authenticate(bearer(token))
    await strategy.authenticate(bearer(token))
    expect(state.calls).toBe(1)
    vi.advanceTimersByTime(10_000)
    await strategy.authenticate(bearer(token))
    expect(state.calls).toBe(2)
  })

  it('shares one store call among concurrent requests with one token', async () => {
    const { strategy, records, state } = setup()
    const { token } = await issue(records)
    const results = await Promise.all(
      Array.from({ length: 50 }, () => Promise.resolve(strategy.authenticate(bearer(token)))),
    )
    expect(results.every((p) => p !== undefined)).toBe(true)
    expect(state.calls).toBe(1)
  })

  it('remembers an unknown digest only briefly', async () => {
    const { strategy, records, state } = setup({ cache: { ttlMs: 10_000, negativeTtlMs: 1_000 } })
    const { token } = generateAPIToken()
    await expect(strategy.authenticate(bearer(token))).rejects.toMatchObject({
      code: 'invalid_token',
    })
    await expect(strategy.authenticate(bearer(token))).rejects.toMatchObject({
      code: 'invalid_token',
    })
    expect(state.calls).toBe(1)
    // The token now exists (say, another instance issued it): found once the short TTL is over.
    const record: VerifiedAPIToken = {
      id: 'tok_late',
      userId: USER,
      scopes: [],
      expiresAt: new Date(T0.getTime() + 86_400_000),
      revokedAt: null,
      userDisabled: false,
    }
    records.set(await digestAPIToken(token), record)
    vi.advanceTimersByTime(1_000)
    expect(await strategy.authenticate(bearer(token))).toMatchObject({ tokenId: 'tok_late' })
  })

  it('refuses a revoked token on the very next request after invalidate(tokenId)', async () => {
    const { strategy, records, state } = setup({ cache: { ttlMs: 60_000 } })
    const { token, record } = await issue(records)
    const { token: other } = await issue(records)
    await strategy.authenticate(bearer(token))
    await strategy.authenticate(bearer(other))
    for (const [digest, r] of records) {
      if (r.id === record.id) records.set(digest, { ...r, revokedAt: new Date() })
    }
    // Still cached as live until invalidated.
    expect(await strategy.authenticate(bearer(token))).toMatchObject({ tokenId: record.id })
    strategy.invalidate(record.id)
    await expect(strategy.authenticate(bearer(token))).rejects.toMatchObject({
      message: 'The token has been revoked',
    })
    // The other token stayed cached.
    const before = state.calls
    await strategy.authenticate(bearer(other))
    expect(state.calls).toBe(before)
  })

  it('invalidateAll drops every entry', async () => {
    const { strategy, records, state } = setup()
    const { token } = await issue(records)
    await strategy.authenticate(bearer(token))
    strategy.invalidateAll()
    await strategy.authenticate(bearer(token))
    expect(state.calls).toBe(2)
  })

  it('does not keep an answer that was in flight during an invalidation', async () => {
    const memory = memoryVerifier()
    let release!: () => void
    let entered!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const started = new Promise<void>((resolve) => (entered = resolve))
    const { token, record } = await issue(memory.records)
    const strategy = apiTokens({
      store: {
        async findByDigest(digest, now, context) {
          entered()
          await gate
          return memory.verifier.findByDigest(digest, now, context)
        },
      },
    })
    const pending = strategy.authenticate(bearer(token))
    await started
    strategy.invalidate(record.id)
    release()
    await pending
    await strategy.authenticate(bearer(token))
    expect(memory.state.calls).toBe(2)
  })

  it('is bounded: the least recently used digest goes first', async () => {
    const { strategy, records, state } = setup({ cache: { max: 2 } })
    const a = await issue(records)
    const b = await issue(records)
    const c = await issue(records)
    await strategy.authenticate(bearer(a.token))
    await strategy.authenticate(bearer(b.token))
    await strategy.authenticate(bearer(a.token)) // a is now the most recent
    await strategy.authenticate(bearer(c.token)) // evicts b
    expect(state.calls).toBe(3)
    await strategy.authenticate(bearer(a.token))
    expect(state.calls).toBe(3)
    await strategy.authenticate(bearer(b.token))
    expect(state.calls).toBe(4)
  })

  it('can be turned off', async () => {
    const { strategy, records, state } = setup({ cache: false })
    const { token } = await issue(records)
    await strategy.authenticate(bearer(token))
    await strategy.authenticate(bearer(token))
    expect(state.calls).toBe(2)
  })
})

describe('apiTokens over a synchronous verifier (the SQLite store)', () => {
  function syncSetup(options: Partial<APITokensOptions> = {}) {
    const records = new Map<string, VerifiedAPIToken>()
    const state = { calls: 0, fail: false }
    const verifier: APITokenVerifier = {
      findByDigest(digest) {
        state.calls++
        if (state.fail) throw new Error('SQLITE_IOERR: password=hunter2')
        return records.get(digest)
      },
    }
    return { strategy: apiTokens({ store: verifier, ...options }), records, state }
  }

  it('verifies a cache miss synchronously, cache on or off: no promise, no tick', async () => {
    for (const cache of [undefined, false] as const) {
      const { strategy, records, state } = syncSetup(cache === false ? { cache } : {})
      const { token, record } = await issue(records)
      const principal = strategy.authenticate(bearer(token))
      expect(principal).not.toBeInstanceOf(Promise)
      expect(principal).toMatchObject({ subject: USER, tokenId: record.id, via: 'api-token' })
      expect(state.calls).toBe(1)
    }
  })

  it('remembers a synchronous answer like any other: the next request is a hit', async () => {
    const { strategy, records, state } = syncSetup()
    const { token } = await issue(records)
    const first = strategy.authenticate(bearer(token))
    expect(strategy.authenticate(bearer(token))).toBe(first)
    expect(state.calls).toBe(1)
  })

  it('refuses with a rejection, never a throw: unknown, revoked, and a store that throws', async () => {
    const { strategy, records, state } = syncSetup({ cache: false })
    const { token: revoked } = await issue(records, { revokedAt: new Date() })
    const { token: unknown } = generateAPIToken()
    const answers = [bearer(unknown), bearer(revoked)].map((input) => strategy.authenticate(input))
    expect(answers.every((answer) => answer instanceof Promise)).toBe(true)
    await expect(answers[0]).rejects.toMatchObject({ code: 'invalid_token' })
    await expect(answers[1]).rejects.toMatchObject({ message: 'The token has been revoked' })
    state.fail = true
    const down = strategy.authenticate(bearer(revoked))
    expect(down).toBeInstanceOf(Promise)
    const error: unknown = await Promise.resolve(down).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'auth_unavailable' })
    // The store's own message (which may quote a secret) is not the answer's.
    expect(JSON.stringify(error)).not.toContain('hunter2')
    expect((error as Error).message).not.toContain('hunter2')
  })

  it('answers a gate synchronously end to end', async () => {
    const { strategy, records } = syncSetup({ cache: false })
    const { token } = await issue(records)
    const gate = createAuthenticator({ strategies: [strategy] })
    const verdict = gate.check({
      method: 'GET',
      path: '/x',
      header: headersFromRecord({ authorization: `Bearer ${token}` }),
    })
    expect(verdict).not.toBeInstanceOf(Promise)
    expect(verdict).toMatchObject({ ok: true, principal: { subject: USER } })
  })
})

describe('apiTokens: options', () => {
  const store = memoryVerifier().verifier
  it.each([
    [{}, 'apiTokens(): store must have a findByDigest(digest, now) method'],
    [
      { store, prefix: 'Bad' },
      'apiTokens(): prefix must be 1 to 16 lower-case letters, digits or "_" (got "Bad")',
    ],
    [{ store, pepper: '' }, 'apiTokens(): pepper must be a non-empty string'],
    [{ store, cache: { ttlMs: 0 } }, 'apiTokens(): cache.ttlMs must be an integer ≥ 1'],
    [{ store, cache: { max: 1.5 } }, 'apiTokens(): cache.max must be an integer ≥ 1'],
    [
      { store, cache: { ttlMs: 1000, negativeTtlMs: 2000 } },
      'apiTokens(): cache.negativeTtlMs must not exceed cache.ttlMs',
    ],
    [{ store, onUse: 'x' }, 'apiTokens(): onUse must be a function'],
  ])('refuses %j', (options, message) => {
    expect(() => apiTokens(options as APITokensOptions)).toThrow(new TypeError(message))
  })
})

describe('apiTokens in a chain', () => {
  it('sits before a bearer serviceToken: each answers its own credentials', async () => {
    const { verifier, records } = memoryVerifier()
    const { token } = await issue(records)
    const gate = createAuthenticator({
      env: {},
      strategies: [
        apiTokens({ store: verifier }),
        serviceToken({ source: staticSecrets(['a-service-secret-of-some-length']), subject: 'gw' }),
      ],
    })
    const call = (value: string) =>
      gate.authenticate({
        method: 'GET',
        path: '/x',
        header: headersFromRecord({ authorization: `Bearer ${value}` }),
      })
    expect(await call(token)).toMatchObject({
      ok: true,
      principal: { kind: 'user', via: 'api-token' },
    })
    expect(await call('a-service-secret-of-some-length')).toMatchObject({
      ok: true,
      principal: { kind: 'service', subject: 'gw' },
    })
    const typo = await call(`${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`)
    expect(typo).toMatchObject({ ok: false, error: { code: 'invalid_token' } })
  })
})
