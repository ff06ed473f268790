import {
  apiTokens,
  digestAPIToken,
  generateAPIToken,
  serviceToken,
  staticSecrets,
  type VerifiedAPIToken,
} from '@keygate/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type ConformanceContext } from './context.js'

/**
 * The mechanism the middleware benchmark's figures rest on (docs/benchmarks.md): with a fresh
 * secret cache or a warm verification cache, the gate decides synchronously and the handler runs
 * in the same tick — no promise hop of the adapter's between the decision and the handler.
 */
export function hotPathCases(k: ConformanceContext): void {
  const { A, start } = k
  const hoppedOn = (res: { status: number; json(): unknown }) => {
    expect(res.status).toBe(200)
    return (res.json() as { hopped: boolean }).hopped
  }

  describe('the hot path', () => {
    let token: string
    beforeAll(async () => {
      token = generateAPIToken().token
    })

    it('service token, secret cache fresh: the handler runs without a promise hop', async () => {
      const ctx = await start({ strategies: [serviceToken({ source: staticSecrets([A]) })] })
      await ctx.get('/private', [`Authorization: Bearer ${A}`]) // the first request loads them
      for (let i = 0; i < 3; i++) {
        expect(hoppedOn(await ctx.get('/private', [`Authorization: Bearer ${A}`]))).toBe(false)
      }
    })

    it('API token, verification cache warm: the handler runs without a promise hop', async () => {
      const digest = await digestAPIToken(token)
      const record: VerifiedAPIToken = {
        id: 'tok_hot',
        userId: 'u-hot',
        scopes: [],
        expiresAt: new Date(Date.now() + 3_600_000),
        revokedAt: null,
        userDisabled: false,
      }
      const store = {
        findByDigest: (d: string) => Promise.resolve(d === digest ? record : undefined),
      }
      const ctx = await start({ strategies: [apiTokens({ store })] })
      // The miss goes to the store and may hop; the hits after it must not.
      expect(hoppedOn(await ctx.get('/private', [`Authorization: Bearer ${token}`]))).toBe(true)
      for (let i = 0; i < 3; i++) {
        expect(hoppedOn(await ctx.get('/private', [`Authorization: Bearer ${token}`]))).toBe(false)
      }
    })
  })
}
