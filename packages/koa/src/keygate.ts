import type { IncomingMessage } from 'node:http'
import {
  adapterKit,
  middlewareGate,
  nodeAdapterGate,
  validateScopes,
  type AdapterGate,
  type AdapterOptions,
  type MiddlewareGate,
  type Principal,
  type Verdict,
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

/**
 * Options of {@link keygate}: the core's options or `{ authenticator }`, plus `requestId`
 * (default: a random UUID) and `clientIp` (default: the socket's peer address; see the README
 * before trusting a proxy's header).
 */
export type KoaAuthOptions = AdapterOptions<Context>

/** The middleware returned by {@link keygate}, with its authenticator and bound `requireScopes`. */
export type KoaAuth = MiddlewareGate<Middleware>

// The memo is the Node request, which mounted sub-apps share with their parent.
const kit = adapterKit<Context>((ctx) => ctx.req)

function middleware(
  bound: AdapterGate<Context> | undefined,
  scopes: readonly string[],
): Middleware {
  // Not an async function: when the core answers synchronously (a fresh cache) the next
  // middleware runs in the same tick, and its promise is returned as it is, without a hop.
  return (ctx: Context, next: Next): Promise<void> => {
    // A throw (requireScopes() without the gate) becomes a rejection in koa-compose.
    const verdict = kit.check(bound ?? kit.gateOf(ctx, 'requireScopes()'), ctx, scopes)
    if (verdict instanceof Promise) return verdict.then((settled) => settle(ctx, next, settled))
    return settle(ctx, next, verdict)
  }
}

function settle(ctx: Context, next: Next, verdict: Verdict): Promise<void> {
  if (!verdict.ok) {
    const { status, headers, body } = verdict.problem
    ctx.status = status
    ctx.set(headers)
    ctx.body = JSON.stringify(body)
    return Promise.resolve()
  }
  if (verdict.principal !== undefined) ctx.state.auth = verdict.principal
  // Not wrapped in try: downstream errors belong to the app.
  return next()
}

/**
 * The keygate middleware for Koa 3. Mount it with `app.use()` before your routes so that every
 * route, unknown ones included, goes through it. Failures are answered here as
 * `application/problem+json`; errors thrown downstream are not caught and reach Koa's error
 * handling (`app.on('error')`, your error middleware) unchanged.
 *
 * @throws TypeError for bad options (the core's included).
 * @example
 * ```ts
 * app.use(keygate({ strategies: [serviceToken({ source: env('KEYGATE_SERVICE_TOKEN') })] }))
 * app.use(async (ctx) => {
 *   ctx.body = { subject: getPrincipal(ctx)?.subject }
 * })
 * ```
 */
export function keygate(options: KoaAuthOptions): KoaAuth {
  const gate = nodeAdapterGate(options, {
    method: (ctx: Context) => ctx.method,
    // The path the client sent, even under a mounted sub-app.
    path: (ctx) => ctx.originalUrl,
    rawHeaders: (ctx) => ctx.req.rawHeaders,
    peerAddress: (ctx) => ctx.req.socket.remoteAddress,
  })
  return middlewareGate(gate, (scopes) => middleware(gate, scopes))
}

/**
 * A middleware that requires every listed scope, after {@link keygate}: `401` without a verified
 * principal, `403 insufficient_scope` when one is missing. It reuses the gate's authentication of
 * the request. Scopes are validated once, here (RFC 6749 §3.3).
 *
 * @throws TypeError for an empty list or an invalid scope. At request time, an `Error` (a 500,
 *   never an open route) when `keygate()` did not run first.
 * @example
 * ```ts
 * router.get('/v1/things', requireScopes('things:read'), listThings)
 * ```
 */
export function requireScopes(...scopes: string[]): Middleware {
  return middleware(undefined, validateScopes(scopes, 'requireScopes()', { atLeastOne: true }))
}

/**
 * The principal keygate verified for this request, or `undefined` (public paths, pass-throughs);
 * typed whatever the app's state type, and, unlike `ctx.state.auth`, set by keygate only.
 *
 * @example
 * ```ts
 * const principal = getPrincipal(ctx)
 * ```
 */
export function getPrincipal(ctx: { readonly req: IncomingMessage }): Principal | undefined {
  return kit.getPrincipal(ctx as Context)
}

/**
 * The principal keygate verified for this request; throws when there is none, so a route wired
 * without authentication by mistake fails closed instead of running anonymously.
 *
 * @throws KeygateError (401 `missing_credentials`; `status`, `headers` and `expose` set for Koa's
 *   error handling; send `error.problem` from yours). An `Error` when `keygate()` never ran.
 * @example
 * ```ts
 * ctx.body = await loadUser(requirePrincipal(ctx).subject)
 * ```
 */
export const requirePrincipal: (ctx: Context) => Principal = kit.requirePrincipal
