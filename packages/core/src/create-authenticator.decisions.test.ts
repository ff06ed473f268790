import { describe, expect, it, vi } from 'vitest'
import { headersFromRaw } from './auth-request.js'
import { createAuthenticator, type AuthenticatorOptions } from './create-authenticator.js'
import { InvalidTokenError } from './errors.js'
import { serviceToken } from './service-token.js'
import { staticSecrets } from './sources/env.js'
import {
  capturingLogger,
  expectDenied,
  fixed,
  gate,
  principal,
  req,
  SECRET,
} from '../test/authenticator-fixtures.js'

describe('createAuthenticator', () => {
  describe('onDecision', () => {
    it('reports allow with outcome, strategy, subject, tokenId, clientIp, method and path', async () => {
      const withId = fixed('api-token', () => principal('user-1', { tokenId: 'tok_abc123' }))
      const { authenticator, decisions } = gate({ strategies: [withId] })
      await authenticator.authenticate(
        req('/v1/runs?cursor=secretish', ['Authorization: Bearer x'], 'POST'),
      )
      expect(decisions).toEqual([
        {
          outcome: 'allow',
          strategy: 'api-token',
          subject: 'user-1',
          tokenId: 'tok_abc123',
          clientIp: '203.0.113.7',
          method: 'POST',
          path: '/v1/runs',
        },
      ])
    })

    it('reports deny with its code and strategy, never the presented token', async () => {
      const { authenticator, decisions } = gate({
        strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
      })
      await authenticator.authenticate(
        req('/v1/x', ['Authorization: Bearer presented-wrong-token']),
      )
      expect(decisions).toEqual([
        {
          outcome: 'deny',
          code: 'invalid_token',
          strategy: 'service-token',
          clientIp: '203.0.113.7',
          method: 'GET',
          path: '/v1/x',
        },
      ])
      expect(JSON.stringify(decisions)).not.toMatch(/presented-wrong-token|kg-test-secret/)
    })

    it('omits clientIp when the adapter does not know it', async () => {
      const { authenticator, decisions } = gate({ strategies: [fixed('s', () => undefined)] })
      await authenticator.authenticate({ method: 'GET', path: '/x', header: headersFromRaw([]) })
      expect(decisions[0]).not.toHaveProperty('clientIp')
    })

    it('does not let a throwing hook break authentication', async () => {
      const { logger, lines } = capturingLogger()
      const authenticator = createAuthenticator({
        strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
        env: {},
        logger,
        onDecision: () => {
          throw new Error(`hook failed for ${SECRET}`)
        },
      })
      expect(
        await authenticator.authenticate(req('/x', [`Authorization: Bearer ${SECRET}`])),
      ).toMatchObject({
        ok: true,
        reason: 'authenticated',
      })
      expectDenied(
        await authenticator.authenticate(req('/x', ['Authorization: Bearer no'])),
        'invalid_token',
        401,
      )
      expect(lines).toHaveLength(2)
      expect(lines[0]).toEqual({
        level: 'error',
        object: { error: 'Error' },
        message: 'keygate: onDecision hook threw',
      })
      expect(JSON.stringify(lines)).not.toContain(SECRET)
    })

    it('does not leave an async hook rejection unhandled', async () => {
      const unhandled: unknown[] = []
      const listener = (reason: unknown) => unhandled.push(reason)
      process.on('unhandledRejection', listener)
      try {
        const { logger, lines } = capturingLogger()
        const authenticator = createAuthenticator({
          strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
          env: {},
          logger,
          // An async hook is assignable to the void-returning type: that is the case under test.
          // eslint-disable-next-line @typescript-eslint/no-misused-promises
          onDecision: async () => {
            await Promise.resolve()
            throw new Error('metrics backend is down')
          },
        })
        expect(
          await authenticator.authenticate(req('/x', [`Authorization: Bearer ${SECRET}`])),
        ).toMatchObject({
          ok: true,
        })
        await new Promise((resolve) => setTimeout(resolve, 20))
        expect(unhandled).toEqual([])
        expect(lines).toMatchObject([{ level: 'error', message: 'keygate: onDecision hook threw' }])
      } finally {
        process.off('unhandledRejection', listener)
      }
    })
  })

  describe('authorize (requireScopes)', () => {
    const scoped = (mode: 'enforce' | 'shadow' = 'enforce') =>
      gate({
        mode,
        strategies: [
          fixed('api-token', () =>
            principal('user-1', { scopes: ['runs:read'], tokenId: 'tok_1' }),
          ),
        ],
      })

    it('lets a principal holding every scope through', async () => {
      const { authenticator } = scoped()
      const request = req('/runs', ['Authorization: Bearer x'])
      const result = await authenticator.authenticate(request)
      expect(authenticator.authorize(result, ['runs:read'], request)).toBe(result)
      expect(authenticator.authorize(result, [], request)).toBe(result)
    })

    it('answers 403 insufficient_scope naming every required scope', async () => {
      const { authenticator, decisions } = scoped()
      const request = req('/runs', ['Authorization: Bearer x'], 'DELETE')
      const result = authenticator.authorize(
        await authenticator.authenticate(request),
        ['runs:read', 'runs:write'],
        request,
      )
      expectDenied(result, 'insufficient_scope', 403)
      if (!result.ok) {
        expect(result.error.message).toBe('Required scope: runs:read runs:write')
        expect(authenticator.respond(result.error).headers['www-authenticate']).toContain(
          'scope="runs:read runs:write"',
        )
      }
      expect(decisions[1]).toEqual({
        outcome: 'deny',
        code: 'insufficient_scope',
        subject: 'user-1',
        tokenId: 'tok_1',
        clientIp: '203.0.113.7',
        method: 'DELETE',
        path: '/runs',
      })
    })

    it('shadow: reports a missing scope and lets the request through', async () => {
      const { authenticator, decisions } = scoped('shadow')
      const request = req('/runs', ['Authorization: Bearer x'])
      const result = await authenticator.authenticate(request)
      expect(authenticator.authorize(result, ['runs:write'], request)).toBe(result)
      expect(decisions.map((d) => [d.outcome, d.code])).toEqual([
        ['allow', undefined],
        ['shadow-deny', 'insufficient_scope'],
      ])
    })

    it('passes a failed result on unchanged', async () => {
      const { authenticator } = scoped()
      const failed = { ok: false, error: new InvalidTokenError() } as const
      expect(authenticator.authorize(failed, ['runs:read'], req('/x'))).toBe(failed)
    })

    it('fails closed for a request without a principal (a public path)', async () => {
      const { authenticator } = scoped()
      const request = req('/health')
      const result = await authenticator.authenticate(request)
      expectDenied(
        authenticator.authorize(result, ['runs:read'], request),
        'missing_credentials',
        401,
      )
    })

    it('lets open and dev pass-throughs through', async () => {
      const unset = serviceToken({ source: staticSecrets([]) })
      for (const options of [{ whenUnset: 'open' as const }, { devMode: true }]) {
        const { authenticator } = gate({ strategies: [unset], ...options })
        const request = req('/x')
        const result = await authenticator.authenticate(request)
        expect(authenticator.authorize(result, ['runs:read'], request)).toBe(result)
      }
    })
  })

  describe('respond', () => {
    it('builds the problem answer with the realm and request id', () => {
      const { authenticator } = gate({ strategies: [fixed('s', () => undefined)], realm: 'my-api' })
      expect(authenticator.realm).toBe('my-api')
      const problem = authenticator.respond(new InvalidTokenError(), { requestId: 'req-7' })
      expect(problem.headers['www-authenticate']).toMatch(
        /^Bearer realm="my-api", error="invalid_token"/,
      )
      expect(problem.body.request_id).toBe('req-7')
    })
  })

  describe('options', () => {
    const s = () => fixed('s', () => undefined)
    it.each<[string, unknown, string]>([
      ['no options', undefined, 'createAuthenticator(): options are required'],
      [
        'no strategies',
        { strategies: [] },
        'createAuthenticator(): strategies must be a non-empty list of strategies',
      ],
      [
        'a bad strategy',
        { strategies: [{ name: 'x' }] },
        'createAuthenticator(): strategies must be a non-empty list of strategies',
      ],
      [
        'a bad mode',
        { strategies: [s()], mode: 'audit' },
        "createAuthenticator(): mode must be 'enforce' or 'shadow'",
      ],
      [
        'a bad whenUnset',
        { strategies: [s()], whenUnset: 'allow' },
        "createAuthenticator(): whenUnset must be 'deny' or 'open'",
      ],
      [
        'a bad maxCredentialBytes',
        { strategies: [s()], maxCredentialBytes: 0 },
        'createAuthenticator(): maxCredentialBytes must be a positive integer',
      ],
    ])('throws a TypeError for %s', (_name, options, message) => {
      expect(() => createAuthenticator(options as AuthenticatorOptions)).toThrow(
        new TypeError(message),
      )
    })

    it('reads KEYGATE_DEV_MODE from process.env when no env is given', async () => {
      vi.stubEnv('KEYGATE_DEV_MODE', 'true')
      vi.stubEnv('NODE_ENV', 'test')
      try {
        const authenticator = createAuthenticator({
          strategies: [serviceToken({ source: staticSecrets([]) })],
        })
        expect(await authenticator.authenticate(req('/x'))).toMatchObject({ reason: 'dev' })
      } finally {
        vi.unstubAllEnvs()
      }
    })
  })
})
