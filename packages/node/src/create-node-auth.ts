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
   * Called when a protected handler throws or rejects. Default: log-free `500 internal_error`
   * problem+json when nothing was sent yet. The error is never turned into a 401.
   */
  onError?: (error: unknown, req: IncomingMessage, res: ServerResponse) => void
}

/** The node:http adapter returned by {@link createNodeAuth}. */
export type NodeAuth = {
  readonly authenticator: Authenticator
  /**
   * Authenticates `req` (and checks `scopes`). Returns true when the request may go on; when it
   * returns false the error answer has already been written.
   */
  check(req: IncomingMessage, res: ServerResponse, options?: { scopes?: readonly string[] }): Promise<boolean>
  /** Wraps a handler so it only runs for authenticated requests, with the principal attached. */
  protect(handler: NodeHandler, options?: { scopes?: readonly string[] }): (req: IncomingMessage, res: ServerResponse) => Promise<void>
}

const RESULT = Symbol('keygate.result')
type Tagged = IncomingMessage & { [RESULT]?: AuthResult; auth?: Principal }

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
  return (req as Tagged)[RESULT]?.ok === true ? (req as Tagged).auth : undefined
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
  const authenticator = 'authenticator' in options ? options.authenticator : createAuthenticator(options)
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

  async function check(req: IncomingMessage, res: ServerResponse, checkOptions?: { scopes?: readonly string[] }): Promise<boolean> {
    const tagged = req as Tagged
    const request = toAuthRequest(req)
    let result = tagged[RESULT] ?? (await authenticator.authenticate(request))
    if (checkOptions?.scopes !== undefined && checkOptions.scopes.length > 0) {
      result = authenticator.authorize(result, checkOptions.scopes, request)
    }
    tagged[RESULT] = result
    if (result.ok) {
      tagged.auth = result.principal
      return true
    }
    const problem = authenticator.respond(result.error, { requestId: requestId(req) })
    res.writeHead(problem.status, problem.headers).end(JSON.stringify(problem.body))
    return false
  }

  return {
    authenticator,
    check,
    protect(handler, protectOptions) {
      return async (req, res) => {
        if (!(await check(req, res, protectOptions))) return
        try {
          await handler(req, res)
        } catch (error) {
          onError(error, req, res)
        }
      }
    },
  }
}
