import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  adapterAuthenticator,
  adapterKit,
  headersFromRaw,
  KeygateError,
  validateScopes,
  type AdapterGate,
  type Authenticator,
  type AuthenticatorOptions,
  type Principal,
  type ProblemResponse,
  type Verdict,
} from '@keygate/core'

/** A node:http request handler; it may return a promise. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown

/** Options of {@link keygate}: the core's options, or a ready authenticator. */
export type NodeAuthOptions = (AuthenticatorOptions | { authenticator: Authenticator }) & {
  /** Request id for problem bodies; default a random UUID. */
  requestId?: (req: IncomingMessage) => string
  /**
   * Called when a protected handler throws or rejects. Default: the problem answer of a
   * {@link KeygateError} (`requirePrincipal()`), else `500 internal_error`, when nothing was sent
   * yet. Any other error is never turned into a 401.
   */
  onError?: (error: unknown, req: IncomingMessage, res: ServerResponse) => void
}

/** The node:http adapter returned by {@link keygate}. */
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

type Gate = AdapterGate<IncomingMessage>
const kit = adapterKit<IncomingMessage>((req) => req)
const NO_SCOPES: readonly string[] = Object.freeze([])

function write(res: ServerResponse, { status, headers, body }: ProblemResponse): void {
  res.writeHead(status, headers).end(JSON.stringify(body))
}

type Auth = IncomingMessage & { auth?: Principal | undefined }

/** Runs the core's one call; true when the request may go on, false once the answer is written. */
function pass(gate: Gate, req: Auth, res: ServerResponse, scopes: readonly string[]) {
  const verdict = kit.check(gate, req, scopes)
  // No closure on the synchronous path (a fresh cache): nothing is allocated for the answer.
  return verdict instanceof Promise
    ? verdict.then((settled) => settle(req, res, settled))
    : settle(req, res, verdict)
}

function settle(req: Auth, res: ServerResponse, verdict: Verdict): boolean {
  if (verdict.ok) req.auth = verdict.principal
  else write(res, verdict.problem)
  return verdict.ok
}

/**
 * The principal keygate verified for `req`, or `undefined` for public paths and unauthenticated
 * pass-throughs (shadow mode, `whenUnset: 'open'`). Unlike `req.auth`, set by keygate only.
 *
 * @example
 * ```ts
 * const principal = getPrincipal(req)
 * ```
 */
export const getPrincipal: (req: IncomingMessage) => Principal | undefined = kit.getPrincipal

/**
 * The principal keygate verified for `req`; throws when there is none, so a handler wired without
 * authentication by mistake fails closed. `protect()` answers the error with its problem.
 *
 * @throws KeygateError (401 `missing_credentials`). An `Error` outside `protect()`/`check()`.
 * @example
 * ```ts
 * res.end(requirePrincipal(req).subject)
 * ```
 */
export const requirePrincipal: (req: IncomingMessage) => Principal = kit.requirePrincipal

/**
 * Wraps a handler, inside `protect()`, so it runs only when the request holds every listed scope
 * (`403 insufficient_scope` otherwise), reusing the gate's authentication of the request.
 * Scopes are validated once, here (RFC 6749 §3.3).
 *
 * @throws TypeError for an empty list or an invalid scope.
 * @example
 * ```ts
 * http.createServer(auth.protect(requireScopes('runs:read')(listRuns)))
 * ```
 */
export function requireScopes(...scopes: string[]): (handler: NodeHandler) => NodeHandler {
  const required = validateScopes(scopes, 'requireScopes()', { atLeastOne: true })
  return (handler) => (req, res) => {
    const ok = pass(kit.gateOf(req, 'requireScopes()'), req, res, required)
    if (ok === true) return handler(req, res)
    return ok === false ? undefined : ok.then((yes) => (yes ? handler(req, res) : undefined))
  }
}

/**
 * The reference adapter for node:http (`createNodeAuth` is the same function).
 *
 * @throws TypeError for bad options (the core's included).
 * @example
 * ```ts
 * const auth = keygate({ strategies: [serviceToken({ source: env('KEYGATE_SERVICE_TOKEN') })] })
 * http.createServer(auth.protect((req, res) => res.end(getPrincipal(req)?.subject))).listen(3000)
 * ```
 */
export function keygate(options: NodeAuthOptions): NodeAuth {
  const authenticator = adapterAuthenticator(options, {
    where: 'keygate()',
    functions: ['requestId', 'onError'],
  })
  const requestId = options.requestId
  const gate: Gate = {
    authenticator,
    toAuthRequest: (req) => ({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      // rawHeaders keeps every line, so a second Authorization header is seen (SPEC §2).
      header: headersFromRaw(req.rawHeaders),
      clientIp: req.socket.remoteAddress,
      problemRequestId: requestId === undefined ? undefined : () => requestId(req),
    }),
  }
  const onError =
    options.onError ??
    ((error: unknown, _req: IncomingMessage, res: ServerResponse) => {
      if (res.headersSent) res.destroy()
      else
        write(
          res,
          error instanceof KeygateError ? error.response() : authenticator.respond(undefined),
        )
    })

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
      if (returned instanceof Promise) returned.then(undefined, (error) => fail(error, req, res))
    } catch (error) {
      fail(error, req, res)
    }
  }

  return {
    authenticator,
    check: (req, res, checkOptions) => pass(gate, req, res, checkOptions?.scopes ?? NO_SCOPES),
    protect(handler, protectOptions) {
      const scopes = protectOptions?.scopes ?? NO_SCOPES
      return (req, res) => {
        const allowed = pass(gate, req, res, scopes)
        // Synchronous when the core is: the handler then runs in the same tick as the request
        // event, inside node:http's corked socket, and the answer leaves in one write.
        if (allowed === true) run(handler, req, res)
        else if (allowed !== false) {
          allowed.then(
            (ok) => (ok ? run(handler, req, res) : undefined),
            (error) => fail(error, req, res),
          )
        }
      }
    },
  }
}

/** The former name of {@link keygate}, kept for existing code. */
export const createNodeAuth = keygate
