import { generateKeyPairSync, randomBytes, randomUUID, sign as nodeSign } from 'node:crypto'
import {
  ASSERTION_TYP,
  createAssertionSigner,
  createSecretCache,
  env,
  gatewayAssertion,
  serviceToken,
  staticSecrets,
  type AuthDecision,
  type AuthenticatorOptions,
  type Logger,
  type SecretSource,
} from '@keygate/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawRequest, type RawResponse } from './raw-request.js'

/** A running app under test. */
export type ConformanceApp = { url: string; close(): Promise<void> }

/** What the suite asks an adapter to start. */
export type ConformanceAppOptions = {
  /** Pass as is to the adapter (it creates the core authenticator from them). */
  auth: AuthenticatorOptions
  /** The app's own error handler must call this with any error a route throws, then answer 500. */
  onAppError: (error: unknown) => void
}

/** Options of {@link runAdapterConformance}. */
export type AdapterConformanceOptions = {
  /** Shown in the suite's name. */
  name: string
  /**
   * Starts an app on 127.0.0.1, port 0, with the keygate gate applied to every route (unknown
   * routes included) and these routes:
   * - `GET /health` → `200 {"status":"ok"}`
   * - `GET /private` → `200 {"principal": <attached principal or null>}`
   * - `GET /scoped` → the adapter's `requireScopes('things:read')`, then as `/private`
   * - `GET /boom` → the handler throws `new Error('boom')`
   */
  start(options: ConformanceAppOptions): Promise<ConformanceApp>
}

const REALM = 'conformance'
const PATH_BYPASSES = [
  '/health/../x',
  '/HEALTH',
  '/health%2F..%2Fx',
  '//health/../x',
  '/health/',
  '/%68ealth',
  '/health/.',
]

function secret(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * The shared suite every keygate adapter runs (RFC 6750 and SPEC §2, §3, §7): registers Vitest
 * tests in the calling file.
 *
 * @example
 * ```ts
 * runAdapterConformance({ name: 'node', start: async ({ auth, onAppError }) => startNodeApp(auth, onAppError) })
 * ```
 */
export function runAdapterConformance(options: AdapterConformanceOptions): void {
  const A = secret()
  const B = secret()
  const WRONG = [secret(), 'x', 'y'.repeat(1000), A.slice(0, -1), `${A}x`]
  const forbidden = [A, B, ...WRONG.filter((w) => w.length > 8)]
  const seen: string[] = []
  const logger: Logger = {
    warn: (o, m) => seen.push(JSON.stringify(o) + m),
    error: (o, m) => seen.push(JSON.stringify(o) + m),
    info: (o, m) => seen.push(JSON.stringify(o) + m),
    debug: (o, m) => seen.push(JSON.stringify(o) + m),
  }
  const apps: ConformanceApp[] = []

  async function start(
    auth: Partial<AuthenticatorOptions> & Pick<AuthenticatorOptions, 'strategies'>,
    decisions?: AuthDecision[],
  ) {
    const errors: unknown[] = []
    const app = await options.start({
      auth: {
        realm: REALM,
        logger,
        env: {},
        onDecision: (d) => {
          decisions?.push(d)
          seen.push(JSON.stringify(d))
        },
        ...auth,
      },
      onAppError: (error) => errors.push(error),
    })
    apps.push(app)
    const request = async (
      method: string,
      path: string,
      lines: readonly string[] = [],
    ): Promise<RawResponse> => {
      const res = await rawRequest(app.url, method, path, lines)
      seen.push(JSON.stringify(res.headers) + res.body)
      return res
    }
    return {
      app,
      errors,
      get: (path: string, lines: readonly string[] = []) => request('GET', path, lines),
    }
  }

  function mutableSource(initial: string[]): SecretSource & { values: string[] } {
    const source = {
      name: 'conformance',
      values: initial,
      load: () => Promise.resolve(source.values.map((value) => ({ value }))),
    }
    return source
  }

  function expectProblem(res: RawResponse, status: number, code: string): Record<string, unknown> {
    expect(res.status, `${code}: ${res.body}`).toBe(status)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    const body = res.json() as Record<string, unknown>
    expect(body).toMatchObject({
      status,
      code,
      type: expect.stringMatching(new RegExp(`#${code}$`)),
    })
    expect(typeof body.title).toBe('string')
    expect(typeof body.detail).toBe('string')
    expect(typeof body.request_id).toBe('string')
    expect(body.request_id).not.toBe('')
    expect(JSON.stringify(body)).not.toMatch(/\bat .+:\d+:\d+/) // no stack trace
    return body
  }

  const principalOf = (res: RawResponse) =>
    (res.json() as { principal: Record<string, unknown> | null }).principal

  describe(`keygate adapter conformance: ${options.name}`, () => {
    afterAll(async () => {
      await Promise.all(apps.map((app) => app.close()))
      // No secret, presented or configured, in any log line, decision or response.
      const all = seen.join('\n')
      for (const value of forbidden) expect(all.includes(value), 'a secret leaked').toBe(false)
    })

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
        const res = await ctx.get('/private', [
          `Authorization: Bearer ${A}`,
          `X-Service-Token: ${A}`,
        ])
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
        expectProblem(
          await ctx.get('/private', [`Authorization: Bearer ${A}`]),
          401,
          'invalid_token',
        )
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

    describe('gateway assertion (keygate proxy in front)', () => {
      const ISSUER = 'https://keygate.conformance.test'
      const AUDIENCE = 'http://upstream.conformance.test'
      const USER = randomUUID()
      const pair = generateKeyPairSync('ed25519')
      const other = generateKeyPairSync('ed25519')
      const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'gw-1', alg: 'EdDSA' }
      const signer = createAssertionSigner({
        privateKey: { ...pair.privateKey.export({ format: 'jwk' }), kid: 'gw-1', alg: 'EdDSA' },
        issuer: ISSUER,
      })
      const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
      const claims = (fields: Record<string, unknown> = {}) => {
        const now = Math.floor(Date.now() / 1000)
        return {
          iss: ISSUER,
          aud: AUDIENCE,
          sub: USER,
          scope: 'things:read',
          via: 'api-token',
          jti: randomUUID(),
          iat: now,
          exp: now + 30,
          ...fields,
        }
      }
      const forge = (head: object, body: object, key = pair.privateKey) => {
        const input = `${b64(head)}.${b64(body)}`
        return `${input}.${nodeSign(null, Buffer.from(input), key).toString('base64url')}`
      }
      const HEAD = { alg: 'EdDSA', typ: ASSERTION_TYP, kid: 'gw-1' }
      let ctx: Awaited<ReturnType<typeof start>>
      beforeAll(async () => {
        ctx = await start({
          strategies: [
            gatewayAssertion({ keys: [publicJwk], issuer: ISSUER, audience: AUDIENCE }),
            serviceToken({ source: staticSecrets([A]), header: 'x-service-token' }),
          ],
        })
      })

      it('attaches the principal named by a valid assertion, next to the gateway token', async () => {
        const jwt = await signer.sign({
          audience: AUDIENCE,
          sub: USER,
          scopes: ['things:read'],
          tokenId: 'tok_conformance',
          via: 'api-token',
        })
        forbidden.push(jwt)
        const res = await ctx.get('/private', [
          `Keygate-Assertion: ${jwt}`,
          `X-Service-Token: ${A}`,
        ])
        expect(res.status, res.body).toBe(200)
        expect(principalOf(res)).toMatchObject({
          kind: 'user',
          subject: USER,
          via: 'gateway-assertion',
          scopes: ['things:read'],
          tokenId: 'tok_conformance',
        })
        expect((await ctx.get('/scoped', [`Keygate-Assertion: ${jwt}`])).status).toBe(200)
      })

      it('enforces requireScopes on the asserted scopes', async () => {
        const jwt = await signer.sign({ audience: AUDIENCE, sub: USER, scopes: [], via: 'session' })
        const res = await ctx.get('/scoped', [`Keygate-Assertion: ${jwt}`])
        expectProblem(res, 403, 'insufficient_scope')
        expect(res.headers['www-authenticate']).toContain('scope="things:read"')
      })

      it('refuses expired, wrong-audience, alg none and re-signed assertions with 401', async () => {
        const none = `${b64({ ...HEAD, alg: 'none' })}.${b64(claims())}.`
        const cases = [
          forge(HEAD, claims({ iat: 1_000, exp: 1_030 })),
          forge(HEAD, claims({ aud: 'http://elsewhere.conformance.test' })),
          none,
          forge(HEAD, claims(), other.privateKey),
        ]
        for (const token of cases) {
          const res = await ctx.get('/private', [`Keygate-Assertion: ${token}`])
          expectProblem(res, 401, 'invalid_token')
          expect(res.headers['www-authenticate']).toContain('error="invalid_token"')
        }
      })

      it('answers two assertions 400 invalid_request', async () => {
        const jwt = forge(HEAD, claims())
        const res = await ctx.get('/private', [
          `Keygate-Assertion: ${jwt}`,
          `Keygate-Assertion: ${jwt}`,
        ])
        expectProblem(res, 400, 'invalid_request')
      })
    })

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
          strategies: [
            serviceToken({ source: { name: 'empty', load: () => Promise.resolve([]) } }),
          ],
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
  })
}
