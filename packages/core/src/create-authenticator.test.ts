import { describe, expect, it, vi } from 'vitest'
import { headersFromRaw, type AuthRequest } from './auth-request.js'
import {
  createAuthenticator,
  DEFAULT_PUBLIC_PATHS,
  type AuthDecision,
  type AuthenticatorOptions,
  type AuthResult,
} from './create-authenticator.js'
import { InvalidTokenError } from './errors.js'
import type { Logger } from './logger.js'
import type { Principal } from './principal.js'
import { serviceToken } from './service-token.js'
import { staticSecrets } from './sources/env.js'
import type { SecretSource } from './sources/secret-source.js'
import type { Strategy, UNSET } from './strategy.js'

const SECRET = 'kg-test-secret-0123456789abcdef'

function req(path: string, lines: readonly string[] = [], method = 'GET'): AuthRequest {
  const raw = lines.flatMap((line) => {
    const colon = line.indexOf(':')
    return [line.slice(0, colon), line.slice(colon + 1).trim()]
  })
  return { method, path, header: headersFromRaw(raw), clientIp: '203.0.113.7' }
}

const principal = (subject: string, extra: Partial<Principal> = {}): Principal => ({
  kind: 'user',
  subject,
  scopes: [],
  via: 'api-token',
  ...extra,
})

/** A strategy with a fixed answer and a call count. */
function fixed(name: string, answer: () => Principal | undefined | typeof UNSET, async = true) {
  const strategy = {
    name,
    calls: 0,
    authenticate() {
      strategy.calls++
      return async ? Promise.resolve().then(answer) : answer()
    },
  } satisfies Strategy & { calls: number }
  return strategy
}

function capturingLogger() {
  const lines: { level: string; object: Record<string, unknown>; message: string }[] = []
  const at =
    (level: string) =>
    (object: Record<string, unknown>, message: string): void => {
      lines.push({ level, object, message })
    }
  const logger: Logger = {
    warn: at('warn'),
    error: at('error'),
    info: at('info'),
    debug: at('debug'),
  }
  return { logger, lines }
}

function gate(options: Partial<AuthenticatorOptions> & Pick<AuthenticatorOptions, 'strategies'>) {
  const decisions: AuthDecision[] = []
  const { logger, lines } = capturingLogger()
  const authenticator = createAuthenticator({
    env: {},
    logger,
    onDecision: (d) => decisions.push(d),
    ...options,
  })
  return { authenticator, decisions, lines }
}

function expectDenied(result: AuthResult, code: string, status: number): void {
  expect(result.ok).toBe(false)
  if (!result.ok) expect([result.error.code, result.error.status]).toEqual([code, status])
}

describe('createAuthenticator', () => {
  describe('strategy chain', () => {
    it('hands a request a strategy does not recognise to the next one', async () => {
      const first = fixed('first', () => undefined)
      const second = fixed('second', () => principal('u-2'))
      const { authenticator } = gate({ strategies: [first, second] })
      const result = await authenticator.authenticate(req('/x', ['Authorization: Bearer abc']))
      expect(result).toEqual({ ok: true, principal: principal('u-2'), reason: 'authenticated' })
      expect([first.calls, second.calls]).toEqual([1, 1])
    })

    it('never passes a recognised-and-rejected credential on', async () => {
      const rejecting = fixed('rejecting', () => {
        throw new InvalidTokenError({ detail: 'The token was revoked' })
      })
      const accepting = fixed('accepting', () => principal('u-1'))
      const { authenticator, decisions } = gate({ strategies: [rejecting, accepting] })
      const result = await authenticator.authenticate(req('/x', ['Authorization: Bearer abc']))
      expectDenied(result, 'invalid_token', 401)
      if (!result.ok) expect(result.error.message).toBe('The token was revoked')
      expect(accepting.calls).toBe(0)
      expect(decisions).toMatchObject([
        { outcome: 'deny', code: 'invalid_token', strategy: 'rejecting' },
      ])
    })

    it('lets the first principal win', async () => {
      const a = fixed('a', () => principal('from-a'), false)
      const b = fixed('b', () => principal('from-b'))
      const { authenticator } = gate({ strategies: [a, b] })
      const result = await authenticator.authenticate(req('/x', ['Authorization: Bearer abc']))
      expect(result).toMatchObject({ ok: true, principal: { subject: 'from-a' } })
      expect(b.calls).toBe(0)
    })

    it('works with strategies that answer synchronously and ones that answer with a promise', async () => {
      for (const async of [false, true]) {
        const none = fixed('none', () => undefined, async)
        const some = fixed('some', () => principal('p'), !async)
        const { authenticator } = gate({ strategies: [none, some] })
        expect(
          await authenticator.authenticate(req('/x', ['Authorization: Bearer a'])),
        ).toMatchObject({
          ok: true,
          principal: { subject: 'p' },
        })
      }
    })

    it('awaits a thenable answer instead of taking it for a principal', async () => {
      // A strategy built on another promise library (or another realm) returns a thenable
      // that is not `instanceof Promise`: it must still be awaited, never let through as is.
      const thenable: Strategy = {
        name: 'thenable',
        authenticate: () =>
          ({
            then(_resolve: (v: unknown) => void, reject: (e: unknown) => void) {
              reject(new InvalidTokenError())
            },
          }) as unknown as Promise<Principal>,
      }
      const { authenticator } = gate({ strategies: [thenable] })
      expectDenied(
        await authenticator.authenticate(req('/x', ['Authorization: Bearer a'])),
        'invalid_token',
        401,
      )
    })

    it.each([null, true, 'user-1', 0, { subject: 'x' }])(
      'fails closed when a strategy answers %j for a principal',
      async (answer) => {
        const buggy: Strategy = {
          name: 'buggy',
          authenticate: () => answer as unknown as Principal,
        }
        const asyncBuggy: Strategy = {
          name: 'buggy',
          authenticate: () => Promise.resolve(answer as unknown as Principal),
        }
        for (const strategy of [buggy, asyncBuggy]) {
          const { authenticator } = gate({ strategies: [strategy] })
          expectDenied(
            await authenticator.authenticate(req('/x', ['Authorization: Bearer a'])),
            'internal_error',
            500,
          )
        }
      },
    )

    it('answers missing_credentials when no credential was presented and none recognised it', async () => {
      const { authenticator, decisions } = gate({ strategies: [fixed('n', () => undefined)] })
      const result = await authenticator.authenticate(req('/x?q=1'))
      expectDenied(result, 'missing_credentials', 401)
      expect(decisions).toEqual([
        {
          outcome: 'deny',
          code: 'missing_credentials',
          method: 'GET',
          path: '/x',
          clientIp: '203.0.113.7',
        },
      ])
    })

    it('treats another scheme as no credential (RFC 6750 §3.1)', async () => {
      const { authenticator } = gate({ strategies: [fixed('n', () => undefined)] })
      expectDenied(
        await authenticator.authenticate(req('/x', ['Authorization: Basic dXNlcjpwYXNz'])),
        'missing_credentials',
        401,
      )
    })

    it('answers invalid_token for a credential no strategy recognised', async () => {
      const { authenticator } = gate({ strategies: [fixed('n', () => undefined)] })
      expectDenied(
        await authenticator.authenticate(req('/x', ['Authorization: Bearer x'])),
        'invalid_token',
        401,
      )
    })

    it('answers malformed and duplicate credentials 400 before any strategy runs', async () => {
      const strategy = fixed('s', () => principal('p'))
      const { authenticator, decisions } = gate({ strategies: [strategy] })
      for (const lines of [
        ['Authorization: Bearer a b'],
        ['Authorization: Bearer a', 'Authorization: Bearer a'],
        [`Authorization: Bearer ${'a'.repeat(5000)}`],
      ]) {
        expectDenied(await authenticator.authenticate(req('/x', lines)), 'invalid_request', 400)
      }
      expect(strategy.calls).toBe(0)
      expect(decisions.map((d) => [d.outcome, d.code])).toEqual([
        ['deny', 'invalid_request'],
        ['deny', 'invalid_request'],
        ['deny', 'invalid_request'],
      ])
    })

    it('honours maxCredentialBytes', async () => {
      const { authenticator } = gate({
        strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
        maxCredentialBytes: 16,
      })
      const result = await authenticator.authenticate(
        req('/x', [`Authorization: Bearer ${SECRET}`]),
      )
      expectDenied(result, 'invalid_request', 400)
      if (!result.ok) expect(result.error.message).toBe('The authorization header is too large')
    })

    it('collects custom headers from every strategy for duplicate detection', async () => {
      const { authenticator } = gate({
        strategies: [
          serviceToken({ source: staticSecrets([SECRET]) }),
          serviceToken({ source: staticSecrets([SECRET]), header: 'x-service-token' }),
        ],
      })
      expect(
        await authenticator.authenticate(req('/x', [`X-Service-Token: ${SECRET}`])),
      ).toMatchObject({ ok: true })
      const result = await authenticator.authenticate(
        req('/x', [`Authorization: Bearer ${SECRET}`, `X-Service-Token: ${SECRET}`]),
      )
      expectDenied(result, 'invalid_request', 400)
      if (!result.ok) expect(result.error.message).toBe('More than one credential in the request')
    })

    it("does not let one strategy's outage decide a credential meant for another", async () => {
      const down: SecretSource = { name: 'down', load: () => Promise.reject(new Error('down')) }
      const apiTokens = fixed('api-token', () => principal('u-9'))
      const { authenticator } = gate({
        strategies: [serviceToken({ source: down, header: 'x-service-token' }), apiTokens],
      })
      expect(
        await authenticator.authenticate(req('/x', ['Authorization: Bearer kg_abc'])),
      ).toMatchObject({
        ok: true,
        principal: { subject: 'u-9' },
      })
      expectDenied(
        await authenticator.authenticate(req('/x', ['X-Service-Token: abc'])),
        'auth_unavailable',
        503,
      )
    })
  })

  describe('unexpected strategy errors', () => {
    it('answers internal_error (500) and logs the error without its message', async () => {
      const leaky = 'db password is hunter2-do-not-leak'
      const boom: Strategy = {
        name: 'boom',
        authenticate: () => Promise.reject(new TypeError(leaky)),
      }
      const { authenticator, lines, decisions } = gate({ strategies: [boom] })
      const result = await authenticator.authenticate(req('/x', ['Authorization: Bearer a']))
      expectDenied(result, 'internal_error', 500)
      expect(lines).toEqual([
        {
          level: 'error',
          object: { strategy: 'boom', error: 'TypeError' },
          message: 'keygate: strategy threw an unexpected error',
        },
      ])
      expect(decisions).toMatchObject([
        { outcome: 'deny', code: 'internal_error', strategy: 'boom' },
      ])
      if (!result.ok) {
        const problem = authenticator.respond(result.error, { requestId: 'r-1' })
        expect(problem.status).toBe(500)
        expect(problem.body).toMatchObject({ code: 'internal_error', request_id: 'r-1' })
        expect(JSON.stringify(problem)).not.toContain('hunter2')
        expect(result.error.message).not.toContain('hunter2')
        expect(String((result.error.cause as Error | undefined)?.message)).not.toContain('hunter2')
      }
    })

    it('handles a strategy that throws synchronously', async () => {
      const sync: Strategy = {
        name: 'sync',
        authenticate: () => {
          throw new RangeError('x')
        },
      }
      expectDenied(
        await gate({ strategies: [sync] }).authenticator.authenticate(req('/x')),
        'internal_error',
        500,
      )
    })
  })

  describe('modes', () => {
    const strategies = () => [serviceToken({ source: staticSecrets([SECRET]), scopes: ['a:read'] })]

    it('enforces by default', async () => {
      const { authenticator } = gate({ strategies: strategies() })
      expectDenied(
        await authenticator.authenticate(req('/x', ['Authorization: Bearer nope'])),
        'invalid_token',
        401,
      )
    })

    it('shadow: decides and reports, but lets every request through', async () => {
      const { authenticator, decisions } = gate({ strategies: strategies(), mode: 'shadow' })
      expect(await authenticator.authenticate(req('/x', ['Authorization: Bearer nope']))).toEqual({
        ok: true,
        principal: undefined,
        reason: 'shadow',
      })
      expect(await authenticator.authenticate(req('/x'))).toMatchObject({
        ok: true,
        reason: 'shadow',
      })
      expect(
        await authenticator.authenticate(req('/x', ['Authorization: Bearer a b'])),
      ).toMatchObject({
        ok: true,
        reason: 'shadow',
      })
      expect(
        await authenticator.authenticate(req('/x', [`Authorization: Bearer ${SECRET}`])),
      ).toMatchObject({
        ok: true,
        reason: 'authenticated',
        principal: { subject: 'service' },
      })
      expect(decisions.map((d) => [d.outcome, d.code])).toEqual([
        ['shadow-deny', 'invalid_token'],
        ['shadow-deny', 'missing_credentials'],
        ['shadow-deny', 'invalid_request'],
        ['allow', undefined],
      ])
    })

    it('shadow: lets a source outage through too, reported as auth_unavailable', async () => {
      const down: SecretSource = { name: 'down', load: () => Promise.reject(new Error('down')) }
      const { authenticator, decisions } = gate({
        strategies: [serviceToken({ source: down })],
        mode: 'shadow',
      })
      expect(
        await authenticator.authenticate(req('/x', ['Authorization: Bearer a'])),
      ).toMatchObject({
        ok: true,
        reason: 'shadow',
      })
      expect(decisions).toMatchObject([{ outcome: 'shadow-deny', code: 'auth_unavailable' }])
    })
  })

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
