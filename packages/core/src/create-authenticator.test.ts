import { describe, expect, it } from 'vitest'
import { InvalidTokenError } from './errors.js'
import type { Principal } from './principal.js'
import { serviceToken } from './service-token.js'
import { staticSecrets } from './sources/env.js'
import type { SecretSource } from './sources/secret-source.js'
import type { Strategy } from './strategy.js'
import {
  expectDenied,
  fixed,
  gate,
  principal,
  req,
  SECRET,
} from '../test/authenticator-fixtures.js'

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
})
