import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  createAuthenticator,
  headersFromRaw,
  type AuthRequest,
  type AuthResult,
  type Authenticator,
  type AuthenticatorOptions,
  type Principal,
} from '@keygate/core'

/** A node:http request handler; it may return a promise. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown

/** Options of {@link createNodeAuth}: the core's options, or a ready authenticator. */
export type NodeAuthOptions = (AuthenticatorOptions | { authenticator: Authenticator }) & {
  /** Request id for problem bodies; default a random UUID. */
  requestId?: (req: IncomingMessage) => string
  /**
   * Called when a protected handler throws or rejects. Default: `500 internal_error`
   * problem+json when nothing was sent yet. The error is never turned into a 401.
   */
  onError?: (error: unknown, req: IncomingMessage, res: ServerResponse) => void
}

/** The node:http adapter returned by {@link createNodeAuth}. */
export type NodeAuth = {
  readonly authenticator: Authenticator
  /**
   * Authenticates `req` (and checks `scopes`). True when the request may go on; when false the
   * error answer has already been written. Synchronous when the core answers synchronously.
   */
  check(
    req: IncomingMessage,
    res: ServerResponse,
    options?: { scopes?: readonly string[] },
  ): boolean | Promise<boolean>
  /**
   * Wraps a handler so it only runs for authenticated requests, with the principal attached.
   * The returned listener never rejects: the handler's errors go to `onError`.
   */
  protect(
    handler: NodeHandler,
    options?: { scopes?: readonly string[] },
  ): (req: IncomingMessage, res: ServerResponse) => void
}

// Symbol-keyed properties rather than WeakMaps: on the hot path a property store is cheaper, and
// the garbage collector does not have to walk ephemeron tables for every finished request.
const kPrincipal = Symbol('keygate.principal')

type Attached = IncomingMessage & {
  auth?: Principal | undefined
  [kPrincipal]?: Principal | undefined
  [key: symbol]: unknown
}

/**
 * The principal attached by {@link NodeAuth.check} or {@link NodeAuth.protect}, or `undefined`
 * for public paths and unauthenticated pass-throughs (shadow mode, `whenUnset: 'open'`).
 *
 * @example
 * ```ts
 * const principal = getPrincipal(req)
 * ```
 */
export function getPrincipal(req: IncomingMessage): Principal | undefined {
  return (req as Attached)[kPrincipal]
}

function toAuthRequest(req: IncomingMessage): AuthRequest {
  return {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    // rawHeaders keeps every line, so a second Authorization header is seen (SPEC §2).
    header: headersFromRaw(req.rawHeaders),
    clientIp: req.socket.remoteAddress,
  }
}

/**
 * The reference adapter for node:http.
 *
 * @throws TypeError for bad options (from the core).
 * @example
 * ```ts
 * const auth = createNodeAuth({
 *   strategies: [serviceToken({ source: env('KEYGATE_SERVICE_TOKEN'), header: 'x-service-token' })],
 * })
 * http.createServer(auth.protect((req, res) => res.end(getPrincipal(req)?.subject))).listen(3000)
 * ```
 */
export function createNodeAuth(options: NodeAuthOptions): NodeAuth {
  const authenticator =
    'authenticator' in options ? options.authenticator : createAuthenticator(options)
  const requestId = options.requestId ?? (() => randomUUID())
  const onError =
    options.onError ??
    ((_error: unknown, _req: IncomingMessage, res: ServerResponse) => {
      if (res.headersSent) {
        res.destroy()
        return
      }
      const problem = authenticator.respond(undefined)
      res.writeHead(problem.status, problem.headers).end(JSON.stringify(problem.body))
    })
  // This gate's own results, so that a second gate never trusts the first one's decision.
  const kResult = Symbol('keygate.result')

  function settle(
    req: IncomingMessage,
    res: ServerResponse,
    request: AuthRequest,
    authenticated: AuthResult,
    scopes: readonly string[] | undefined,
  ): boolean {
    const result =
      scopes !== undefined && scopes.length > 0
        ? authenticator.authorize(authenticated, scopes, request)
        : authenticated
    ;(req as Attached)[kResult] = authenticated
    if (result.ok) {
      ;(req as Attached)[kPrincipal] = result.principal
      ;(req as Attached).auth = result.principal
      return true
    }
    const problem = authenticator.respond(result.error, { requestId: requestId(req) })
    res.writeHead(problem.status, problem.headers).end(JSON.stringify(problem.body))
    return false
  }

  function check(
    req: IncomingMessage,
    res: ServerResponse,
    checkOptions?: { scopes?: readonly string[] },
  ): boolean | Promise<boolean> {
    const request = toAuthRequest(req)
    const result =
      ((req as Attached)[kResult] as AuthResult | undefined) ?? authenticator.authenticate(request)
    if (result instanceof Promise) {
      return result.then((settled) => settle(req, res, request, settled, checkOptions?.scopes))
    }
    return settle(req, res, request, result, checkOptions?.scopes)
  }

  function fail(error: unknown, req: IncomingMessage, res: ServerResponse): void {
    try {
      onError(error, req, res)
    } catch {
      // An error handler that throws leaves nothing sensible to answer with.
      res.destroy()
    }
  }

  function run(handler: NodeHandler, req: IncomingMessage, res: ServerResponse): void {
    try {
      const returned = handler(req, res)
      if (returned instanceof Promise) {
        returned.then(undefined, (error: unknown) => fail(error, req, res))
      }
    } catch (error) {
      fail(error, req, res)
    }
  }

  return {
    authenticator,
    check,
    protect(handler, protectOptions) {
      return (req, res) => {
        const allowed = check(req, res, protectOptions)
        // Synchronous when the core is: the handler then runs in the same tick as the request
        // event, inside node:http's corked socket, and the answer leaves in one write.
        if (allowed === true) run(handler, req, res)
        else if (allowed !== false) {
          allowed.then(
            (ok) => (ok ? run(handler, req, res) : undefined),
            (error: unknown) => fail(error, req, res),
          )
        }
      }
    },
  }
}
