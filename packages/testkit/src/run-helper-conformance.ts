import {
  serviceToken,
  staticSecrets,
  type AuthDecision,
  type AuthenticatorOptions,
} from '@keygate/core'
import { afterEach, describe, expect, it } from 'vitest'
import type { ConformanceApp } from './conformance/types.js'

/** The `request_id` of every problem the helper suite's gate answers. */
export const HELPER_REQUEST_ID = 'req-helpers'

/** Options of {@link runHelperConformance}. */
export type HelperConformanceOptions = {
  /** Shown in the suite's name. */
  name: string
  /**
   * Starts an app on 127.0.0.1, port 0. With `gate`, the adapter's `keygate(gate)` runs before
   * every route (`gate` holds the core's options and `requestId: () => HELPER_REQUEST_ID`, to pass
   * as they are); without it, no gate at all. Routes:
   * - `GET /read` → `requireScopes('things:read')`, then `200 {"subject": getPrincipal()?.subject}`
   * - `GET /write` → `requireScopes('things:write')`, then `200 {}`
   * - `GET /health` → `200 {"subject": requirePrincipal().subject}`
   *
   * A `KeygateError` a route throws is answered with its `response()` (status, headers, body as
   * JSON); any other error with `500 {"message": error.message}`.
   */
  start(options: {
    gate: (AuthenticatorOptions & { requestId: () => string }) | undefined
  }): Promise<ConformanceApp>
  /** The adapter's exported `requireScopes`. */
  requireScopes: (...scopes: string[]) => unknown
  /** The adapter's `keygate`, for its gate-bound `requireScopes`. */
  keygate: (options: AuthenticatorOptions) => { requireScopes(...scopes: string[]): unknown }
}

const SECRET = 'helper-conformance-secret-0123456789'
const bearer = { authorization: `Bearer ${SECRET}` }

/**
 * The shared suite of the names every middleware adapter exports beside its gate —
 * `requireScopes`, `getPrincipal`, `requirePrincipal` — over real HTTP: registers Vitest tests in
 * the calling file.
 *
 * @example
 * ```ts
 * runHelperConformance({ name: 'express', keygate, requireScopes, start: ({ gate }) => startApp(gate) })
 * ```
 */
export function runHelperConformance(options: HelperConformanceOptions): void {
  const apps: ConformanceApp[] = []
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()))
  })

  async function start(decisions: AuthDecision[] | undefined): Promise<string> {
    const app = await options.start({
      gate:
        decisions === undefined
          ? undefined
          : {
              strategies: [
                serviceToken({ source: staticSecrets([SECRET]), scopes: ['things:read'] }),
              ],
              env: {},
              onDecision: (d) => decisions.push(d),
              requestId: () => HELPER_REQUEST_ID,
            },
    })
    apps.push(app)
    return app.url
  }

  describe(`requireScopes, getPrincipal, requirePrincipal (the names every adapter exports): ${options.name}`, () => {
    it('requireScopes reuses the gate’s authentication and answers 403 with the challenge', async () => {
      const decisions: AuthDecision[] = []
      const url = await start(decisions)
      const read = await fetch(`${url}/read`, { headers: bearer })
      expect([read.status, await read.json()]).toEqual([200, { subject: 'service' }])
      const write = await fetch(`${url}/write`, { headers: bearer })
      expect(write.status).toBe(403)
      expect(write.headers.get('www-authenticate')).toContain('scope="things:write"')
      expect(await write.json()).toMatchObject({
        code: 'insufficient_scope',
        request_id: HELPER_REQUEST_ID,
      })
      expect(decisions.map((d) => d.outcome)).toEqual(['allow', 'allow', 'deny'])
    })

    it('requirePrincipal fails closed with the 401 problem on a public path', async () => {
      const url = await start([])
      const res = await fetch(`${url}/health`)
      expect(res.status).toBe(401)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      expect(await res.json()).toMatchObject({
        code: 'missing_credentials',
        request_id: HELPER_REQUEST_ID,
      })
    })

    it('requireScopes without keygate() is an error (a 500), never an open route', async () => {
      const url = await start(undefined)
      const res = await fetch(`${url}/read`, { headers: bearer })
      expect(res.status).toBe(500)
      expect(await res.json()).toEqual({
        message: 'requireScopes(): the keygate() middleware must run before it',
      })
    })

    it('rejects bad options with a TypeError naming them', () => {
      expect(() => options.keygate(null as never)).toThrow(
        new TypeError('keygate(): options are required'),
      )
      expect(() => options.keygate({ authenticator: {} } as never)).toThrow(
        new TypeError('keygate(): authenticator must be a keygate Authenticator'),
      )
      const gate = options.keygate({
        strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
      })
      for (const scopes of [[], ['']]) {
        expect(() => gate.requireScopes(...scopes)).toThrow(
          new TypeError('requireScopes(): scopes must be one or more non-empty strings'),
        )
      }
    })

    it('applies the one scope grammar (RFC 6749 §3.3), on the gate method too', () => {
      expect(() => options.requireScopes()).toThrow(/at least one scope is required/)
      expect(() => options.requireScopes('two words')).toThrow(/"two words" is not a valid scope/)
      const gate = options.keygate({
        strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
      })
      expect(() => gate.requireScopes('a"b')).toThrow(/is not a valid scope/)
    })
  })
}
