import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import {
  createAuthenticator,
  headersFromRaw,
  type AuthRequest,
  type AuthResult,
  type Authenticator,
  type AuthenticatorOptions,
  type Principal,
} from '@keygate/core'
import type { Context, Middleware, Next } from 'koa'

declare module 'koa' {
  interface DefaultState {
    /**
     * The principal keygate attached, or `undefined` on public paths and unauthenticated
     * pass-throughs (shadow mode, `whenUnset: 'open'`).
     */
    auth?: Principal
  }
}

/** Options of {@link keygate}: the core's options, or a ready authenticator. */
export type KoaAuthOptions = (AuthenticatorOptions | { authenticator: Authenticator }) & {
  /** Request id for problem bodies. Default: a random UUID. */
  requestId?: (ctx: Context) => string
  /**
   * The client IP reported in decisions. Default: the socket's peer address. Behind a proxy,
   * pass `(ctx) => ctx.ip` once `app.proxy` is set and the proxy is trusted.
   */
  clientIp?: (ctx: Context) => string | undefined
}

/** The middleware returned by {@link keygate}. */
export type KoaAuth = Middleware & {
  readonly authenticator: Authenticator
  /**
   * A route middleware that requires every scope in `scopes`: `403 insufficient_scope` when one
   * is missing. It reuses the decision of the global gate, or authenticates if that did not run.
   */
  requireScopes(...scopes: string[]): Middleware
}

/**
 * The principal keygate attached to `ctx.state.auth`, typed even when the app declares its own
 * state type.
 *
 * @example
 * ```ts
 * const principal = getPrincipal(ctx)
 * ```
 */
export function getPrincipal(ctx: { readonly state: unknown }): Principal | undefined {
  const state = ctx.state as { auth?: Principal } | undefined
  return state?.auth
}

/**
 * The keygate middleware for Koa 3. Mount it with `app.use()` before your routes so that every
 * route, unknown ones included, goes through it. Failures are answered here as
 * `application/problem+json`; errors thrown downstream are not caught and reach Koa's error
 * handling (`app.on('error')`, your error middleware) unchanged.
 *
 * @throws TypeError for bad options (from the core).
 * @example
 * ```ts
 * const auth = keygate({
 *   strategies: [serviceToken({ source: env('KEYGATE_SERVICE_TOKEN'), header: 'x-service-token' })],
 * })
 * app.use(auth)
 * app.use(async (ctx) => {
 *   ctx.body = { subject: ctx.state.auth?.subject }
 * })
 * ```
 */
export function keygate(options: KoaAuthOptions): KoaAuth {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('keygate(): options are required')
  }
  const authenticator =
    'authenticator' in options ? options.authenticator : createAuthenticator(options)
  if (typeof authenticator?.authenticate !== 'function') {
    throw new TypeError('keygate(): authenticator must be a keygate Authenticator')
  }
  const requestId = options.requestId ?? (() => randomUUID())
  const clientIp = options.clientIp ?? ((ctx: Context) => ctx.req.socket.remoteAddress)
  // Keyed on the Node request (shared by mounted sub-apps) and per gate: a second gate with other
  // options never reuses this one's decision.
  const kDecided = Symbol('keygate.decided')
  type Tagged = IncomingMessage & { [kDecided]?: AuthResult }

  function toAuthRequest(ctx: Context): AuthRequest {
    return {
      method: ctx.method,
      // The path the client sent, even under a mounted sub-app.
      path: ctx.originalUrl,
      // rawHeaders keeps every line, so a second Authorization header is seen (SPEC §2).
      header: headersFromRaw(ctx.req.rawHeaders),
      clientIp: clientIp(ctx),
    }
  }

  function middleware(scopes: readonly string[]): Middleware {
    return async (ctx: Context, next: Next): Promise<void> => {
      const request = toAuthRequest(ctx)
      let result = (ctx.req as Tagged)[kDecided]
      if (result === undefined) {
        result = await authenticator.authenticate(request)
        ;(ctx.req as Tagged)[kDecided] = result
      }
      if (scopes.length > 0) result = authenticator.authorize(result, scopes, request)
      if (!result.ok) {
        const problem = authenticator.respond(result.error, { requestId: requestId(ctx) })
        ctx.status = problem.status
        ctx.set(problem.headers)
        ctx.body = JSON.stringify(problem.body)
        return
      }
      if (result.principal !== undefined) ctx.state.auth = result.principal
      // Not wrapped in try: downstream errors belong to the app.
      await next()
    }
  }

  return Object.assign(middleware([]), {
    authenticator,
    requireScopes: (...scopes: string[]) => {
      if (scopes.length === 0 || scopes.some((s) => typeof s !== 'string' || s === '')) {
        throw new TypeError('requireScopes(): scopes must be one or more non-empty strings')
      }
      return middleware([...scopes])
    },
  })
}
