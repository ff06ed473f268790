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
import type { NextFunction, Request, RequestHandler, Response } from 'express'

declare global {
  // Declaration merging is how Express types request extensions (`req.user`, `req.session`).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The principal keygate attached, or `undefined` on public paths and unauthenticated
       * pass-throughs (shadow mode, `whenUnset: 'open'`).
       */
      auth?: Principal
    }
  }
}

/**
 * Options of {@link keygate}: the core's options or `{ authenticator }`, plus `requestId`
 * (default: a random UUID) and `clientIp` (default: the socket's peer address; see the README
 * before trusting a proxy's header).
 */
export type ExpressAuthOptions = AdapterOptions<Request>

/** The middleware returned by {@link keygate}, with its authenticator and bound `requireScopes`. */
export type ExpressAuth = MiddlewareGate<RequestHandler>

// Express swaps the prototype of every request (`app.request`), and V8 then caches no property
// transition for it: each property added to such a `req` builds a hidden class of its own,
// about 1.8 µs, and leaves the code that touches it megamorphic (docs/benchmarks.md). keygate
// keeps its per-request state in a plain object of its own, found through a WeakMap, and adds
// one property to `req`: `auth`, when a principal was verified.
const memos = new WeakMap<Request, object>()
function memoOf(req: Request): object {
  let memo = memos.get(req)
  if (memo === undefined) memos.set(req, (memo = {}))
  return memo
}
const kit = adapterKit<Request>(memoOf)

function settle(req: Request, res: Response, next: NextFunction, verdict: Verdict): void {
  if (verdict.ok) {
    if (verdict.principal !== undefined) req.auth = verdict.principal
    next()
    return
  }
  const { status, headers, body } = verdict.problem
  res.writeHead(status, headers).end(JSON.stringify(body))
}

function handler(
  bound: AdapterGate<Request> | undefined,
  scopes: readonly string[],
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    // Not an async function, since Express 4 ignores returned promises. `next()` is called
    // outside any catch: the route's own errors never come back through keygate. When the core
    // answers synchronously (a fresh cache), so does this middleware.
    let verdict: Verdict | Promise<Verdict>
    try {
      verdict = kit.check(bound ?? kit.gateOf(req, 'requireScopes()'), req, scopes)
    } catch (error) {
      next(error)
      return
    }
    if (verdict instanceof Promise) verdict.then((settled) => settle(req, res, next, settled), next)
    else settle(req, res, next, verdict)
  }
}

/**
 * The keygate middleware for Express 5 (and 4). Mount it with `app.use()` before your routes so
 * that every route, unknown ones included, goes through it. Failures are answered here as
 * `application/problem+json`; errors thrown by your routes never pass through keygate and reach
 * your error handler unchanged.
 *
 * @throws TypeError for bad options (the core's included).
 * @example
 * ```ts
 * app.use(keygate({ strategies: [serviceToken({ source: env('KEYGATE_SERVICE_TOKEN') })] }))
 * app.get('/v1/runs', requireScopes('runs:read'), (req, res) => res.json(getPrincipal(req)))
 * ```
 */
export function keygate(options: ExpressAuthOptions): ExpressAuth {
  const gate = nodeAdapterGate(options, {
    method: (req: Request) => req.method,
    // Under a mounted router `req.url` is relative (`/health` for `/v1/health`); public paths
    // and decisions must see the path the client sent.
    path: (req) => req.originalUrl,
    rawHeaders: (req) => req.rawHeaders,
    peerAddress: (req) => req.socket.remoteAddress,
  })
  return middlewareGate(gate, (scopes) => handler(gate, scopes))
}

/**
 * A route middleware that requires every listed scope, after {@link keygate}: `401` without a
 * verified principal, `403 insufficient_scope` when one is missing. It reuses the gate's
 * authentication of the request. Scopes are validated once, here (RFC 6749 §3.3).
 *
 * @throws TypeError for an empty list or an invalid scope. At request time, an `Error` passed to
 *   `next` (a 500, never an open route) when `keygate()` did not run first.
 * @example
 * ```ts
 * app.get('/v1/runs', requireScopes('runs:read'), listRuns)
 * ```
 */
export function requireScopes(...scopes: string[]): RequestHandler {
  return handler(undefined, validateScopes(scopes, 'requireScopes()', { atLeastOne: true }))
}

/**
 * The principal keygate verified for this request, or `undefined` (public paths, pass-throughs).
 * Unlike `req.auth`, no other middleware can set it.
 *
 * @example
 * ```ts
 * const principal = getPrincipal(req)
 * ```
 */
export const getPrincipal: (req: Request) => Principal | undefined = kit.getPrincipal

/**
 * The principal keygate verified for this request; throws when there is none, so a route wired
 * without authentication by mistake fails closed instead of running anonymously.
 *
 * @throws KeygateError (401 `missing_credentials`, `status` and `headers` set for Express's
 *   error handling; send `error.problem` from yours). An `Error` when `keygate()` never ran.
 * @example
 * ```ts
 * app.get('/v1/users/me', (req, res) => res.json(loadUser(requirePrincipal(req).subject)))
 * ```
 */
export const requirePrincipal: (req: Request) => Principal = kit.requirePrincipal
