import { randomUUID } from 'node:crypto'
import {
  createAuthenticator,
  headersFromRaw,
  type AuthRequest,
  type AuthResult,
  type Authenticator,
  type AuthenticatorOptions,
  type Principal,
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

/** Options of {@link keygate}: the core's options, or a ready authenticator. */
export type ExpressAuthOptions = (AuthenticatorOptions | { authenticator: Authenticator }) & {
  /** Request id for problem bodies. Default: a random UUID. */
  requestId?: (req: Request) => string
  /**
   * The client IP reported in decisions. Default: the socket's peer address. Behind a proxy,
   * pass `(req) => req.ip` once Express's `trust proxy` setting names that proxy.
   */
  clientIp?: (req: Request) => string | undefined
}

/** The middleware returned by {@link keygate}. */
export type ExpressAuth = RequestHandler & {
  readonly authenticator: Authenticator
  /**
   * A route middleware that requires every scope in `scopes`: `403 insufficient_scope` when one
   * is missing. It reuses the decision of the global gate, or authenticates if that did not run.
   */
  requireScopes(...scopes: string[]): RequestHandler
}

/**
 * The keygate middleware for Express 5 (and 4). Mount it with `app.use()` before your routes so
 * that every route, unknown ones included, goes through it. Failures are answered here as
 * `application/problem+json`; errors thrown by your routes never pass through keygate and reach
 * your error handler unchanged.
 *
 * @throws TypeError for bad options (from the core).
 * @example
 * ```ts
 * const auth = keygate({
 *   strategies: [serviceToken({ source: env('KEYGATE_SERVICE_TOKEN'), header: 'x-service-token' })],
 * })
 * app.use(auth)
 * app.get('/v1/runs', auth.requireScopes('runs:read'), (req, res) => res.json(req.auth))
 * ```
 */
export function keygate(options: ExpressAuthOptions): ExpressAuth {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('keygate(): options are required')
  }
  const authenticator =
    'authenticator' in options ? options.authenticator : createAuthenticator(options)
  if (typeof authenticator?.authenticate !== 'function') {
    throw new TypeError('keygate(): authenticator must be a keygate Authenticator')
  }
  const requestId = options.requestId ?? (() => randomUUID())
  const clientIp = options.clientIp ?? ((req: Request) => req.socket.remoteAddress)
  // Per gate, not per request object: a second gate with other options never reuses this one's
  // decision (an `open` gate in front must not let a stricter one behind it pass).
  const kDecided = Symbol('keygate.decided')
  type Tagged = Request & { [kDecided]?: AuthResult }

  function toAuthRequest(req: Request): AuthRequest {
    return {
      method: req.method,
      // Under a mounted router `req.url` is relative (`/health` for `/v1/health`); public paths
      // and decisions must see the path the client sent.
      path: req.originalUrl,
      // rawHeaders keeps every line, so a second Authorization header is seen (SPEC §2).
      header: headersFromRaw(req.rawHeaders),
      clientIp: clientIp(req),
    }
  }

  function settle(
    req: Request,
    res: Response,
    request: AuthRequest,
    authenticated: AuthResult,
    scopes: readonly string[],
  ): boolean {
    ;(req as Tagged)[kDecided] = authenticated
    const result =
      scopes.length > 0 ? authenticator.authorize(authenticated, scopes, request) : authenticated
    if (result.ok) {
      if (result.principal !== undefined) req.auth = result.principal
      return true
    }
    const problem = authenticator.respond(result.error, { requestId: requestId(req) })
    res.writeHead(problem.status, problem.headers).end(JSON.stringify(problem.body))
    return false
  }

  /** True when the request may go on; false when the error answer has been written. */
  function check(
    req: Request,
    res: Response,
    scopes: readonly string[],
  ): boolean | Promise<boolean> {
    const request = toAuthRequest(req)
    const result = (req as Tagged)[kDecided] ?? authenticator.authenticate(request)
    if (result instanceof Promise) {
      return result.then((settled) => settle(req, res, request, settled, scopes))
    }
    return settle(req, res, request, result, scopes)
  }

  function handler(scopes: readonly string[]): RequestHandler {
    return (req: Request, res: Response, next: NextFunction): void => {
      // Not an async function, since Express 4 ignores returned promises. `next()` is called
      // outside any catch: the route's own errors never come back through keygate. When the
      // core answers synchronously (a fresh cache), so does this middleware.
      let pass: boolean | Promise<boolean>
      try {
        pass = check(req, res, scopes)
      } catch (error) {
        next(error)
        return
      }
      if (pass === true) next()
      else if (pass !== false) {
        pass.then((ok) => {
          if (ok) next()
        }, next)
      }
    }
  }

  return Object.assign(handler([]), {
    authenticator,
    requireScopes: (...scopes: string[]) => {
      if (scopes.length === 0 || scopes.some((s) => typeof s !== 'string' || s === '')) {
        throw new TypeError('requireScopes(): scopes must be one or more non-empty strings')
      }
      return handler([...scopes])
    },
  })
}
