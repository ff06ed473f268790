import { createSecretCache, serviceToken } from '@keygate/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { PATH_BYPASSES, REALM, type ConformanceContext } from './context.js'

/** The service-token gate: RFC 6750 and SPEC §2, §3, §7. */
export function serviceTokenCases(k: ConformanceContext): void {
  const { A, B, WRONG, start, mutableSource, expectProblem, principalOf } = k
  describe('service token gate', () => {
    const source = mutableSource([A])
    const cache = createSecretCache({ source, ttlMs: 0 })
    let ctx: Awaited<ReturnType<typeof start>>
    beforeAll(async () => {
      ctx = await start({
        strategies: [
          serviceToken({ source: cache, subject: 'gateway', scopes: ['things:read'] }),
          serviceToken({ source: cache, subject: 'agent', header: 'x-service-token' }),
        ],
      })
    })

    it('serves public paths without credentials', async () => {
      const res = await ctx.get('/health')
      expect(res.status).toBe(200)
      expect(res.json()).toEqual({ status: 'ok' })
      expect((await ctx.get('/health?probe=1')).status).toBe(200)
    })

    it('answers a request without credentials 401 missing_credentials, challenge without error', async () => {
      const res = await ctx.get('/private')
      expectProblem(res, 401, 'missing_credentials')
      expect(res.headers['www-authenticate']).toBe(`Bearer realm="${REALM}"`)
    })

    it('treats another scheme as no credential (RFC 6750 §3.1)', async () => {
      const res = await ctx.get('/private', ['Authorization: Basic dXNlcjpwYXNz'])
      expectProblem(res, 401, 'missing_credentials')
      expect(res.headers['www-authenticate']).not.toContain('error=')
    })

    it('accepts the right secret and attaches the principal', async () => {
      const res = await ctx.get('/private', [`Authorization: Bearer ${A}`])
      expect(res.status).toBe(200)
      expect(principalOf(res)).toMatchObject({
        kind: 'service',
        subject: 'gateway',
        via: 'service-token',
        scopes: ['things:read'],
      })
    })

    it('matches the scheme case-insensitively and allows 1*SP', async () => {
      for (const line of [`bearer ${A}`, `BEARER ${A}`, `BeArEr ${A}`, `Bearer    ${A}`]) {
        expect((await ctx.get('/private', [`Authorization: ${line}`])).status, line).toBe(200)
      }
    })

    it('answers malformed credentials 400 invalid_request with the error in the challenge', async () => {
      const cases = [
        'Bearer',
        'Bearer ',
        `Bearer ${A} extra`,
        `Bearer\t${A}`,
        'Bearer abc$%^',
        'Bearer a=b',
        'Bearer abc,def',
        '',
      ]
      for (const value of cases) {
        const res = await ctx.get('/private', [`Authorization: ${value}`])
        expectProblem(res, 400, 'invalid_request')
        expect(res.headers['www-authenticate']).toContain('error="invalid_request"')
      }
    })

    it('rejects non-ASCII credentials with 400', async () => {
      const res = await ctx.get('/private', ['Authorization: Bearer t\u00f6k\u00e9n'])
      expectProblem(res, 400, 'invalid_request')
      const custom = await ctx.get('/private', ['X-Service-Token: s\u00e9cret'])
      expectProblem(custom, 400, 'invalid_request')
    })

    it('rejects duplicate Authorization lines, even when both are valid', async () => {
      const res = await ctx.get('/private', [
        `Authorization: Bearer ${A}`,
        `Authorization: Bearer ${A}`,
      ])
      expectProblem(res, 400, 'invalid_request')
    })

    it('rejects Authorization plus the custom header', async () => {
      const res = await ctx.get('/private', [`Authorization: Bearer ${A}`, `X-Service-Token: ${A}`])
      expectProblem(res, 400, 'invalid_request')
    })

    it('rejects a repeated custom header', async () => {
      const res = await ctx.get('/private', [`X-Service-Token: ${A}`, `X-Service-Token: ${A}`])
      expectProblem(res, 400, 'invalid_request')
    })

    it('accepts the custom header alone', async () => {
      const res = await ctx.get('/private', [`X-Service-Token: ${A}`])
      expect(res.status).toBe(200)
      expect(principalOf(res)).toMatchObject({ subject: 'agent', via: 'service-token' })
    })

    it('rejects oversize values before any work', async () => {
      expectProblem(
        await ctx.get('/private', [`Authorization: Bearer ${'a'.repeat(5000)}`]),
        400,
        'invalid_request',
      )
      expectProblem(
        await ctx.get('/private', [`X-Service-Token: ${'a'.repeat(5000)}`]),
        400,
        'invalid_request',
      )
    })

    it('answers a wrong secret 401 invalid_token, whatever its length', async () => {
      for (const wrong of WRONG) {
        const res = await ctx.get('/private', [`Authorization: Bearer ${wrong}`])
        expectProblem(res, 401, 'invalid_token')
        expect(res.headers['www-authenticate']).toContain('error="invalid_token"')
        expectProblem(
          await ctx.get('/private', [`X-Service-Token: ${wrong}`]),
          401,
          'invalid_token',
        )
      }
    })

    it('accepts both secrets during a rotation overlap, then only the new one', async () => {
      source.values = [A, B]
      expect((await ctx.get('/private', [`Authorization: Bearer ${A}`])).status).toBe(200)
      expect((await ctx.get('/private', [`Authorization: Bearer ${B}`])).status).toBe(200)
      source.values = [B]
      expectProblem(await ctx.get('/private', [`Authorization: Bearer ${A}`]), 401, 'invalid_token')
      expect((await ctx.get('/private', [`Authorization: Bearer ${B}`])).status).toBe(200)
      source.values = [A]
    })

    it('enforces requireScopes: 403 insufficient_scope with scope in the challenge', async () => {
      expect((await ctx.get('/scoped', [`Authorization: Bearer ${A}`])).status).toBe(200)
      const res = await ctx.get('/scoped', [`X-Service-Token: ${A}`])
      expectProblem(res, 403, 'insufficient_scope')
      expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"')
      expect(res.headers['www-authenticate']).toContain('scope="things:read"')
      expectProblem(await ctx.get('/scoped'), 401, 'missing_credentials')
    })

    it('never lets a public-path look-alike through unauthenticated', async () => {
      for (const path of PATH_BYPASSES) {
        const res = await ctx.get(path)
        expect(res.status, path).toBe(401)
        expectProblem(res, 401, 'missing_credentials')
      }
    })

    it('passes an exception in the route handler to the app, not as a 401', async () => {
      const res = await ctx.get('/boom', [`Authorization: Bearer ${A}`])
      expect(res.status).toBe(500)
      expect(ctx.errors).toHaveLength(1)
      expect((ctx.errors[0] as Error).message).toBe('boom')
    })
  })
}
