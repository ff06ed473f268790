import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { headersFromRecord, type AuthRequest } from '../auth-request.js'
import type { Credential } from '../extract-credential.js'
import type { APITokenVerifier, VerifiedAPIToken } from './api-token-verifier.js'
import { apiTokens, type APITokensOptions } from './api-tokens.js'
import { digestAPIToken } from './digest-api-token.js'
import { generateAPIToken } from './generate-api-token.js'

const request: AuthRequest = { method: 'GET', path: '/x', header: headersFromRecord({}) }

function bearer(token: string): { credential: Credential; request: AuthRequest } {
  return { credential: { kind: 'bearer', header: 'authorization', token }, request }
}

async function setup(options: Partial<APITokensOptions> = {}) {
  const records = new Map<string, VerifiedAPIToken>()
  const verifier: APITokenVerifier = {
    async findByDigest(digest) {
      await Promise.resolve()
      return records.get(digest)
    },
  }
  const { token } = generateAPIToken()
  records.set(await digestAPIToken(token), {
    id: 'tok_1',
    userId: '5b0c8a4e-8f3a-4c1e-9d59-0a4d8a1b2c3d',
    scopes: [],
    expiresAt: new Date(Date.now() + 86_400_000),
    revokedAt: null,
    userDisabled: false,
  })
  const events: string[] = []
  const strategy = apiTokens({
    store: verifier,
    onCacheEvent: (event) => events.push(event),
    ...options,
  })
  return { strategy, token, events }
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('apiTokens: onCacheEvent', () => {
  it('reports one miss per store lookup and one hit per cached answer', async () => {
    const { strategy, token, events } = await setup({ cache: { ttlMs: 10_000 } })
    await strategy.authenticate(bearer(token))
    await strategy.authenticate(bearer(token))
    await strategy.authenticate(bearer(token))
    expect(events).toEqual(['miss', 'hit', 'hit'])
    vi.advanceTimersByTime(10_000)
    await strategy.authenticate(bearer(token))
    expect(events).toEqual(['miss', 'hit', 'hit', 'miss'])
  })

  it('reports unknown tokens too, and nothing for what is not a lookup', async () => {
    const { strategy, events } = await setup()
    const unknown = generateAPIToken().token
    await expect(strategy.authenticate(bearer(unknown))).rejects.toMatchObject({
      code: 'invalid_token',
    })
    await expect(strategy.authenticate(bearer(unknown))).rejects.toMatchObject({
      code: 'invalid_token',
    })
    await expect(strategy.authenticate(bearer('kg_short'))).rejects.toMatchObject({
      message: 'The token is malformed',
    })
    await strategy.authenticate({ credential: undefined, request })
    expect(events).toEqual(['miss', 'hit'])
  })

  it('reports nothing when the cache is off', async () => {
    const { strategy, token, events } = await setup({ cache: false })
    await strategy.authenticate(bearer(token))
    await strategy.authenticate(bearer(token))
    expect(events).toEqual([])
  })

  it('logs and ignores a hook that throws; refuses a hook that is not a function', async () => {
    const warnings: Record<string, unknown>[] = []
    const { strategy, token } = await setup({
      onCacheEvent: () => {
        throw new Error('boom')
      },
      logger: { warn: (object) => warnings.push(object), error: () => {} },
    })
    expect(await strategy.authenticate(bearer(token))).toMatchObject({ tokenId: 'tok_1' })
    expect(warnings).toEqual([{ error: 'Error' }])
    expect(() =>
      apiTokens({
        store: { findByDigest: () => Promise.resolve(undefined) },
        onCacheEvent: 'yes' as never,
      }),
    ).toThrow('apiTokens(): onCacheEvent must be a function')
  })
})
