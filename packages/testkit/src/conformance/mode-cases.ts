import {
  env,
  serviceToken,
  staticSecrets,
  type AuthDecision,
  type SecretSource,
} from '@keygate/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type ConformanceContext } from './context.js'

/** A failing secret source, shadow mode, `whenUnset` and dev mode. */
export function modeCases(k: ConformanceContext): void {
  const { A, start, expectProblem, principalOf } = k
  describe('a secret source that fails', () => {
    let ctx: Awaited<ReturnType<typeof start>>
    beforeAll(async () => {
      const failing: SecretSource = {
        name: 'failing',
        load: () => Promise.reject(new Error(`vault said no: ${A}`)),
      }
      ctx = await start({ strategies: [serviceToken({ source: failing })] })
    })

    it('answers 503 auth_unavailable with Retry-After, never 200 or 401', async () => {
      for (const lines of [[`Authorization: Bearer ${A}`], ['Authorization: Bearer wrong'], []]) {
        const res = await ctx.get('/private', lines)
        expectProblem(res, 503, 'auth_unavailable')
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
        expect(res.headers['www-authenticate']).toBeUndefined()
      }
      expect((await ctx.get('/health')).status).toBe(200)
    })
  })

  describe('shadow mode', () => {
    const decisions: AuthDecision[] = []
    let ctx: Awaited<ReturnType<typeof start>>
    beforeAll(async () => {
      ctx = await start(
        { mode: 'shadow', strategies: [serviceToken({ source: staticSecrets([A]) })] },
        decisions,
      )
    })

    it('lets every request through and reports what would be denied', async () => {
      const wrong = await ctx.get('/private', ['Authorization: Bearer wrong'])
      expect(wrong.status).toBe(200)
      expect(principalOf(wrong)).toBeNull()
      expect((await ctx.get('/private')).status).toBe(200)
      const right = await ctx.get('/private', [`Authorization: Bearer ${A}`])
      expect(principalOf(right)).toMatchObject({ subject: 'service' })
      expect((await ctx.get('/scoped', [`Authorization: Bearer ${A}`])).status).toBe(200)
      expect(decisions.map((d) => [d.outcome, d.code])).toEqual([
        ['shadow-deny', 'invalid_token'],
        ['shadow-deny', 'missing_credentials'],
        ['allow', undefined],
        ['allow', undefined],
        ['shadow-deny', 'insufficient_scope'],
      ])
      expect(decisions[0]).toMatchObject({
        method: 'GET',
        path: '/private',
        strategy: 'service-token',
      })
      expect(typeof decisions[0]!.clientIp).toBe('string')
    })
  })

  describe('whenUnset', () => {
    it('deny (default): 503 auth_not_configured', async () => {
      const ctx = await start({
        strategies: [serviceToken({ source: env('KEYGATE_UNSET_FOR_TEST', { env: {} }) })],
      })
      expectProblem(await ctx.get('/private'), 503, 'auth_not_configured')
      expectProblem(
        await ctx.get('/private', [`Authorization: Bearer ${A}`]),
        503,
        'auth_not_configured',
      )
      expect((await ctx.get('/health')).status).toBe(200)
    })

    it('open: requests pass unauthenticated and are reported', async () => {
      const decisions: AuthDecision[] = []
      const ctx = await start(
        {
          whenUnset: 'open',
          strategies: [
            serviceToken({ source: { name: 'empty', load: () => Promise.resolve([]) } }),
          ],
        },
        decisions,
      )
      const res = await ctx.get('/private')
      expect(res.status).toBe(200)
      expect(principalOf(res)).toBeNull()
      expect(decisions.map((d) => d.outcome)).toEqual(['open'])
    })

    it('dev mode: requests pass as "dev"', async () => {
      const ctx = await start({
        env: { KEYGATE_DEV_MODE: 'true' },
        strategies: [serviceToken({ source: { name: 'empty', load: () => Promise.resolve([]) } })],
      })
      const res = await ctx.get('/private')
      expect(res.status).toBe(200)
      expect(principalOf(res)).toMatchObject({ subject: 'dev' })
    })

    it('dev mode is refused under NODE_ENV=production', async () => {
      await expect(
        (async () =>
          start({
            env: { KEYGATE_DEV_MODE: 'true', NODE_ENV: 'production' },
            strategies: [
              serviceToken({ source: { name: 'empty', load: () => Promise.resolve([]) } }),
            ],
          }))(),
      ).rejects.toThrow(/devMode is refused/)
    })
  })
}
