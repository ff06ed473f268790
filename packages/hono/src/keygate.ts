import {
  adapterAuthenticator,
  type Authenticator,
  type AuthenticatorOptions,
  type Principal,
  type Verdict,
} from '@keygate/core'
import type { Context, MiddlewareHandler, Next } from 'hono'
import { kit, problemResponse, toAuthRequest, type RequestOptions } from './lib/state.js'

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

const NO_SCOPES: readonly string[] = Object.freeze([])

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
  const authenticator = adapterAuthenticator(options, {
    where: '@keygate/hono',
    functions: ['requestId', 'clientIp'],
  })
  const request: RequestOptions = {
    requestId: options.requestId ?? defaultRequestId,
    clientIp: options.clientIp,
  }
  const gate = { authenticator, toAuthRequest: (c: Context) => toAuthRequest(c, request) }

  // Not an async function: when the core answers synchronously (a fresh cache) the next handler
  // runs in the same tick and its promise is returned as it is, without a hop of our own.
  return function keygateMiddleware(c, next) {
    const verdict = kit.check(gate, c, NO_SCOPES)
    if (verdict instanceof Promise) return verdict.then((settled) => settle(c, next, settled))
    return settle(c, next, verdict)
  }
}

function settle(c: Context, next: Next, verdict: Verdict): Promise<Response | void> {
  if (!verdict.ok) return Promise.resolve(problemResponse(c, verdict.problem))
  c.set('auth', verdict.principal)
  // No try/catch: a handler's error belongs to app.onError, never to an auth answer.
  return next()
}
