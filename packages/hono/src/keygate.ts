import {
  createAuthenticator,
  type Authenticator,
  type AuthenticatorOptions,
  type Principal,
} from '@keygate/core'
import type { Context, MiddlewareHandler } from 'hono'
import { problemResponse, states, toAuthRequest, type State } from './lib/state.js'

/** The variables keygate sets, for apps that type them with generics instead of `ContextVariableMap`. */
export type KeygateVariables = {
  /**
   * The principal keygate verified, or `undefined` on public paths and unauthenticated
   * pass-throughs (shadow mode, `whenUnset: 'open'`).
   */
  auth: Principal | undefined
}

declare module 'hono' {
  interface ContextVariableMap {
    /** See {@link KeygateVariables}. */
    auth: Principal | undefined
  }
}

/** Options of {@link keygate}: the core's options, or a ready authenticator. */
export type KeygateHonoOptions = (AuthenticatorOptions | { authenticator: Authenticator }) & {
  /**
   * `request_id` of problem bodies. Default: `c.var.requestId` when Hono's `requestId()`
   * middleware runs first, else a random UUID.
   */
  requestId?: (c: Context) => string
  /**
   * Client IP reported in decisions. Default: the socket address on `@hono/node-server`, none
   * elsewhere (pass e.g. `(c) => getConnInfo(c).remote.address` from your runtime's adapter).
   */
  clientIp?: (c: Context) => string | undefined
}

function defaultRequestId(c: Context): string {
  const id: unknown = (c.var as Record<string, unknown>).requestId
  return typeof id === 'string' && id !== '' ? id : crypto.randomUUID()
}

/**
 * The keygate middleware for Hono 4: authenticates the request (public paths aside), sets
 * `c.var.auth` to the {@link Principal}, or answers `application/problem+json` without calling
 * the next handler. Errors thrown by later handlers are not caught here: they reach
 * `app.onError` untouched. Options are validated once, here.
 *
 * Runs on every Web-standard runtime; on `@hono/node-server` it reads the raw Node request
 * (`c.env.incoming`) for exact duplicate-header detection, the request-target as received and
 * the socket address.
 *
 * @throws TypeError for a bad option (including the core's).
 * @example
 * ```ts
 * const app = new Hono()
 * app.use(keygate({ strategies: [serviceToken({ source: env('KEYGATE_SERVICE_TOKEN') })] }))
 * app.get('/v1/whoami', (c) => c.json(c.var.auth))
 * ```
 */
export function keygate(options: KeygateHonoOptions): MiddlewareHandler {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('@keygate/hono: options are required')
  }
  for (const name of ['requestId', 'clientIp'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`@keygate/hono: ${name} must be a function`)
    }
  }
  let authenticator: Authenticator
  if ('authenticator' in options) {
    if (typeof options.authenticator?.authenticate !== 'function') {
      throw new TypeError('@keygate/hono: authenticator must come from createAuthenticator()')
    }
    authenticator = options.authenticator
  } else {
    const { requestId: _requestId, clientIp: _clientIp, ...core } = options
    authenticator = createAuthenticator(core)
  }
  const requestId = options.requestId ?? defaultRequestId
  const clientIp = options.clientIp

  return async function keygateMiddleware(c, next) {
    const request = toAuthRequest(c, clientIp)
    const result = await authenticator.authenticate(request)
    const state: State = { authenticator, requestId, request, result }
    states.set(c, state)
    if (!result.ok) return problemResponse(c, state, result.error)
    c.set('auth', result.principal)
    // No try/catch: a handler's error belongs to app.onError, never to an auth answer.
    await next()
  }
}
