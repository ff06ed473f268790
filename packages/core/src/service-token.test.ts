import { afterEach, describe, expect, it, vi } from 'vitest'
import { headersFromRaw } from './auth-request.js'
import { createSecretCache } from './create-secret-cache.js'
import { InvalidTokenError } from './errors.js'
import type { Credential } from './extract-credential.js'
import { timing } from './lib/crypto.js'
import { serviceToken, type ServiceTokenOptions } from './service-token.js'
import type { Secret, SecretSource } from './sources/secret-source.js'
import { staticSecrets } from './sources/env.js'
import { UNSET } from './strategy.js'

const request = { method: 'GET', path: '/', header: headersFromRaw([]) }
const bearer = (token: string): Credential => ({ kind: 'bearer', header: 'authorization', token })
const custom = (value: string, header = 'x-service-token'): Credential => ({
  kind: 'header',
  header,
  value,
})
// A strategy may answer (or throw) synchronously; the helper turns both into a promise.
const run = (gate: ReturnType<typeof serviceToken>, credential: Credential | undefined) =>
  new Promise((resolve) => resolve(gate.authenticate({ credential, request })))

function secrets(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `secret-${i}-${'x'.repeat(32)}`)
}

function sourceOf(list: readonly Secret[]): SecretSource {
  return { name: 'test', load: () => Promise.resolve(list) }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('serviceToken', () => {
  describe('constant-time comparison, no early exit', () => {
    describe.each([1, 3, 10])('with %i secret(s)', (n) => {
      const configured = secrets(n)

      it.each([
        ['1 char', 'x'],
        ['43 chars', 'a'.repeat(43)],
        ['4000 chars', 'b'.repeat(4000)],
        ['a prefix of a secret', configured[0]!.slice(0, -1)],
        ['a secret plus one char', `${configured[0]}x`],
      ])('compares a wrong token (%s) with every secret', async (_name, wrong) => {
        const gate = serviceToken({ source: staticSecrets(configured) })
        await run(gate, bearer(configured[0]!)) // warm the cache
        const equal = vi.spyOn(timing, 'equal')
        await expect(run(gate, bearer(wrong))).rejects.toThrow(InvalidTokenError)
        expect(equal).toHaveBeenCalledTimes(n)
        // Both sides are SHA-256 digests: one length whatever the token's, so no length oracle.
        for (const [a, b] of equal.mock.calls) {
          expect(a).toHaveLength(32)
          expect(b).toHaveLength(32)
        }
      })

      it('compares with every secret when the right token matches the first one', async () => {
        const gate = serviceToken({ source: staticSecrets(configured) })
        await run(gate, bearer(configured[0]!))
        const equal = vi.spyOn(timing, 'equal')
        expect(await run(gate, bearer(configured[0]!))).toMatchObject({ kind: 'service' })
        expect(equal).toHaveBeenCalledTimes(n)
        expect(equal.mock.results[0]).toEqual({ type: 'return', value: true })
      })

      it('compares with every secret when the right token matches the last one', async () => {
        const gate = serviceToken({ source: staticSecrets(configured) })
        await run(gate, bearer(configured[0]!))
        const equal = vi.spyOn(timing, 'equal')
        expect(await run(gate, bearer(configured.at(-1)!))).toMatchObject({ kind: 'service' })
        expect(equal).toHaveBeenCalledTimes(n)
      })
    })

    it('never compares the raw strings', async () => {
      const gate = serviceToken({ source: staticSecrets(['right-secret']) })
      const equal = vi.spyOn(timing, 'equal')
      await expect(run(gate, bearer('wrong'))).rejects.toMatchObject({ code: 'invalid_token' })
      const [presented, held] = equal.mock.calls[0]!
      expect(Buffer.from(presented).toString('utf8')).not.toContain('wrong')
      expect(Buffer.from(held).toString('utf8')).not.toContain('right-secret')
    })
  })

  it('answers a wrong token with invalid_token, code and message', async () => {
    const gate = serviceToken({ source: staticSecrets(['right']) })
    const error = await run(gate, bearer('wrong')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect(error).toMatchObject({
      code: 'invalid_token',
      status: 401,
      message: 'The credential is not valid',
    })
  })

  it('returns a frozen service principal with the configured subject and scopes', async () => {
    const gate = serviceToken({
      source: staticSecrets(['s3cret']),
      subject: 'gateway',
      scopes: ['runs:read', 'runs:write'],
    })
    const principal = await run(gate, bearer('s3cret'))
    expect(principal).toEqual({
      kind: 'service',
      subject: 'gateway',
      scopes: ['runs:read', 'runs:write'],
      via: 'service-token',
    })
    expect(Object.isFrozen(principal)).toBe(true)
    expect(JSON.stringify(principal)).not.toContain('s3cret')
  })

  it('takes the subject from the matching Secret.subject, else the default', async () => {
    const gate = serviceToken({
      source: sourceOf([
        { value: 'gateway-secret', subject: 'gateway' },
        { value: 'agent-secret', subject: 'vm-agent' },
        { value: 'anonymous-secret' },
      ]),
      subject: 'service-default',
    })
    expect(await run(gate, bearer('gateway-secret'))).toMatchObject({ subject: 'gateway' })
    expect(await run(gate, bearer('agent-secret'))).toMatchObject({ subject: 'vm-agent' })
    expect(await run(gate, bearer('anonymous-secret'))).toMatchObject({
      subject: 'service-default',
    })
    expect(await run(serviceToken({ source: staticSecrets(['z']) }), bearer('z'))).toMatchObject({
      subject: 'service',
    })
  })

  describe('which credential it recognises', () => {
    it('reads Authorization: Bearer by default, nothing else', async () => {
      const gate = serviceToken({ source: staticSecrets(['s3cret']) })
      expect(gate.headers).toEqual([])
      expect(await run(gate, bearer('s3cret'))).toMatchObject({ via: 'service-token' })
      expect(await run(gate, custom('s3cret'))).toBeUndefined()
      expect(
        await run(gate, { kind: 'other-scheme', header: 'authorization', scheme: 'Basic' }),
      ).toBeUndefined()
      expect(await run(gate, undefined)).toBeUndefined()
    })

    it('reads only its custom header when one is configured (name case-insensitive)', async () => {
      const gate = serviceToken({ source: staticSecrets(['s3cret']), header: 'X-Service-Token' })
      expect(gate.headers).toEqual(['x-service-token'])
      expect(await run(gate, custom('s3cret'))).toMatchObject({ via: 'service-token' })
      expect(await run(gate, bearer('s3cret'))).toBeUndefined()
      expect(await run(gate, custom('s3cret', 'x-other-token'))).toBeUndefined()
      expect(await run(gate, undefined)).toBeUndefined()
      await expect(run(gate, custom('wrong'))).rejects.toMatchObject({ code: 'invalid_token' })
    })

    it('reports UNSET when no secret is configured, with or without a credential', async () => {
      const gate = serviceToken({ source: staticSecrets([]) })
      expect(await run(gate, undefined)).toBe(UNSET)
      expect(await run(gate, bearer('anything'))).toBe(UNSET)
    })

    it('reports UNSET for another scheme or a credential of another kind, so open mode still works', async () => {
      const gate = serviceToken({ source: staticSecrets([]), header: 'x-service-token' })
      expect(
        await run(gate, { kind: 'other-scheme', header: 'authorization', scheme: 'Basic' }),
      ).toBe(UNSET)
      expect(await run(gate, bearer('t'))).toBe(UNSET)
      expect(await run(gate, custom('t', 'x-other'))).toBe(UNSET)
    })

    it('treats another scheme like no credential while its source is down (503, not a pass)', async () => {
      const down: SecretSource = { name: 'down', load: () => Promise.reject(new Error('down')) }
      const gate = serviceToken({ source: down })
      await expect(
        run(gate, { kind: 'other-scheme', header: 'authorization', scheme: 'Basic' }),
      ).rejects.toMatchObject({ code: 'auth_unavailable' })
    })

    it('lets a credential meant for another strategy through while its own source is down', async () => {
      // SPEC §3: a strategy that does not recognise the request hands it to the next one; its
      // own outage must not decide a request it would never have checked.
      const down: SecretSource = { name: 'down', load: () => Promise.reject(new Error('down')) }
      const gate = serviceToken({ source: down, header: 'x-service-token' })
      expect(await run(gate, bearer('an-api-token'))).toBeUndefined()
      await expect(run(gate, custom('s3cret'))).rejects.toMatchObject({ code: 'auth_unavailable' })
      await expect(run(gate, undefined)).rejects.toMatchObject({ code: 'auth_unavailable' })
    })
  })

  describe('options', () => {
    it('wraps a plain source in a cache with the given options', async () => {
      let loads = 0
      const source: SecretSource = {
        name: 'counted',
        load: () => {
          loads++
          return Promise.resolve([{ value: 'a' }])
        },
      }
      const gate = serviceToken({ source, cache: { ttlMs: 60_000 } })
      await run(gate, bearer('a'))
      await run(gate, bearer('a'))
      expect(loads).toBe(1)
      expect(gate.cache.source).toBe(source)
    })

    it('uses a given cache as is, so strategies can share one', async () => {
      const cache = createSecretCache({ source: staticSecrets(['a']) })
      expect(serviceToken({ source: cache }).cache).toBe(cache)
    })

    it.each<[string, ServiceTokenOptions, string]>([
      ['no source', {} as ServiceTokenOptions, 'serviceToken(): source is required'],
      [
        'a bad header',
        { source: staticSecrets(['a']), header: 'x service' },
        'serviceToken(): header must be a valid header name',
      ],
      [
        'an empty subject',
        { source: staticSecrets(['a']), subject: '' },
        'serviceToken(): subject must be a non-empty string',
      ],
    ])('throws a TypeError for %s', (_name, options, message) => {
      expect(() => serviceToken(options)).toThrow(new TypeError(message))
    })
  })
})
