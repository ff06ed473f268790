import { describe, expect, it } from 'vitest'
import { createAuthenticator, DEFAULT_PUBLIC_PATHS } from './create-authenticator.js'
import { serviceToken } from './service-token.js'
import { staticSecrets } from './sources/env.js'
import {
  expectDenied,
  fixed,
  gate,
  principal,
  req,
  SECRET,
} from '../test/authenticator-fixtures.js'

describe('createAuthenticator', () => {
  describe('whenUnset and dev mode', () => {
    const unset = () => serviceToken({ source: staticSecrets([]) })

    it('deny (default): 503 auth_not_configured, with or without a credential', async () => {
      const { authenticator, decisions } = gate({ strategies: [unset()] })
      expectDenied(await authenticator.authenticate(req('/x')), 'auth_not_configured', 503)
      expectDenied(
        await authenticator.authenticate(req('/x', ['Authorization: Bearer a'])),
        'auth_not_configured',
        503,
      )
      expect(decisions.map((d) => d.code)).toEqual(['auth_not_configured', 'auth_not_configured'])
    })

    it('open: requests pass unauthenticated, reported as open, with a warning at start', async () => {
      const { authenticator, decisions, lines } = gate({ strategies: [unset()], whenUnset: 'open' })
      expect(lines).toMatchObject([{ level: 'warn', object: { whenUnset: 'open' } }])
      expect(await authenticator.authenticate(req('/x'))).toEqual({
        ok: true,
        principal: undefined,
        reason: 'open',
      })
      expect(decisions).toEqual([
        { outcome: 'open', method: 'GET', path: '/x', clientIp: '203.0.113.7' },
      ])
    })

    it('open and dev mode also let through requests that carry some other credential', async () => {
      for (const options of [{ whenUnset: 'open' as const }, { devMode: true }]) {
        const { authenticator } = gate({
          strategies: [
            unset(),
            serviceToken({ source: staticSecrets([]), header: 'x-service-token' }),
          ],
          ...options,
        })
        for (const lines of [
          ['Authorization: Basic dXNlcjpwYXNz'],
          ['Authorization: Bearer some-other-token'],
          ['X-Service-Token: abc'],
        ]) {
          expect(await authenticator.authenticate(req('/x', lines)), lines[0]).toMatchObject({
            ok: true,
          })
        }
      }
    })

    it('deny answers auth_not_configured whatever credential the request carries', async () => {
      const { authenticator } = gate({
        strategies: [serviceToken({ source: staticSecrets([]), header: 'x-service-token' })],
      })
      for (const lines of [
        ['Authorization: Basic dXNlcjpwYXNz'],
        ['Authorization: Bearer t'],
        ['X-Service-Token: t'],
      ]) {
        expectDenied(await authenticator.authenticate(req('/x', lines)), 'auth_not_configured', 503)
      }
    })

    it('open applies only when every strategy is unset', async () => {
      const { authenticator } = gate({
        strategies: [
          unset(),
          serviceToken({ source: staticSecrets([SECRET]), header: 'x-service-token' }),
        ],
        whenUnset: 'open',
      })
      expectDenied(await authenticator.authenticate(req('/x')), 'missing_credentials', 401)
      expect(
        await authenticator.authenticate(req('/x', [`X-Service-Token: ${SECRET}`])),
      ).toMatchObject({
        ok: true,
        reason: 'authenticated',
      })
    })

    it('open does not open a configured gate', async () => {
      const { authenticator } = gate({
        strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
        whenUnset: 'open',
      })
      expectDenied(await authenticator.authenticate(req('/x')), 'missing_credentials', 401)
    })

    it('dev mode (KEYGATE_DEV_MODE=true): requests pass as "dev", with a warning at start', async () => {
      const { authenticator, decisions, lines } = gate({
        strategies: [unset()],
        env: { KEYGATE_DEV_MODE: 'true' },
      })
      expect(lines).toMatchObject([{ level: 'warn', object: { devMode: true } }])
      const result = await authenticator.authenticate(req('/x'))
      expect(result).toMatchObject({
        ok: true,
        reason: 'dev',
        principal: { kind: 'service', subject: 'dev' },
      })
      expect(decisions).toMatchObject([{ outcome: 'dev', subject: 'dev' }])
    })

    it('dev mode does not open a configured gate', async () => {
      const { authenticator } = gate({
        strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
        devMode: true,
      })
      expectDenied(
        await authenticator.authenticate(req('/x', ['Authorization: Bearer no'])),
        'invalid_token',
        401,
      )
    })

    it('dev mode needs exactly "true"', async () => {
      for (const value of ['1', 'TRUE', 'yes', '']) {
        const { authenticator } = gate({ strategies: [unset()], env: { KEYGATE_DEV_MODE: value } })
        expectDenied(await authenticator.authenticate(req('/x')), 'auth_not_configured', 503)
      }
    })

    it('refuses dev mode when NODE_ENV=production', () => {
      const message = 'createAuthenticator(): devMode is refused when NODE_ENV=production'
      expect(() =>
        createAuthenticator({
          strategies: [unset()],
          env: { KEYGATE_DEV_MODE: 'true', NODE_ENV: 'production' },
        }),
      ).toThrow(new TypeError(message))
      expect(() =>
        createAuthenticator({
          strategies: [unset()],
          devMode: true,
          env: { NODE_ENV: 'production' },
        }),
      ).toThrow(new TypeError(message))
      expect(() =>
        createAuthenticator({
          strategies: [unset()],
          env: { KEYGATE_DEV_MODE: 'false', NODE_ENV: 'production' },
        }),
      ).not.toThrow()
    })
  })

  describe('public paths', () => {
    it('serves the default public paths without evaluating credentials at all', async () => {
      expect(DEFAULT_PUBLIC_PATHS).toEqual(['/health', '/healthz', '/ready', '/readyz'])
      const strategy = fixed('s', () => principal('p'))
      const { authenticator, decisions } = gate({ strategies: [strategy] })
      for (const path of DEFAULT_PUBLIC_PATHS) {
        expect(
          await authenticator.authenticate(req(path, ['Authorization: Bearer a b c'])),
        ).toEqual({
          ok: true,
          principal: undefined,
          reason: 'public',
        })
      }
      expect(strategy.calls).toBe(0)
      expect(decisions).toEqual([])
    })

    it('ignores the query string', async () => {
      const { authenticator } = gate({ strategies: [fixed('s', () => undefined)] })
      for (const path of ['/health?probe=1', '/health?', '/health?x=/../admin']) {
        expect(await authenticator.authenticate(req(path))).toMatchObject({
          ok: true,
          reason: 'public',
        })
      }
    })

    it.each([
      '/health/../x',
      '/health/..',
      '/HEALTH',
      '/Health',
      '/health%2F..%2Fx',
      '/health%2f..%2fx',
      '//health/../x',
      '//health',
      '/health/',
      '/health/.',
      '/./health',
      '/%68ealth',
      '/health%00',
      '/health;x',
      '/health\\..\\x',
      '/health#x',
      'http://host/health',
      '/healthz/../admin',
      '/ready/x',
    ])('requires authentication for %s', async (path) => {
      const { authenticator } = gate({ strategies: [fixed('s', () => undefined)] })
      expectDenied(await authenticator.authenticate(req(path)), 'missing_credentials', 401)
    })

    it('replaces the defaults with the configured list', async () => {
      const { authenticator } = gate({
        strategies: [fixed('s', () => undefined)],
        publicPaths: ['/status'],
      })
      expect(await authenticator.authenticate(req('/status'))).toMatchObject({
        ok: true,
        reason: 'public',
      })
      expectDenied(await authenticator.authenticate(req('/health')), 'missing_credentials', 401)
      const none = gate({
        strategies: [fixed('s', () => undefined)],
        publicPaths: [],
      }).authenticator
      expectDenied(await none.authenticate(req('/health')), 'missing_credentials', 401)
    })

    it.each(['/health/../x', 'health', '/a?b', '/%68ealth', '//x', '/a/./b', '', '/a#b', '/a\\b'])(
      'throws a TypeError for the non-canonical configured path %j',
      (path) => {
        expect(() =>
          createAuthenticator({ strategies: [fixed('s', () => undefined)], publicPaths: [path] }),
        ).toThrow(
          new TypeError(
            `createAuthenticator(): publicPaths entry ${JSON.stringify(path)} is not a canonical path`,
          ),
        )
      },
    )
  })
})
