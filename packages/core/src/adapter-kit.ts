import { adapterAuthenticator, type AdapterOptions } from './adapter-options.js'
import { headersFromRaw, type AuthRequest } from './auth-request.js'
import type { Authenticator, Verdict } from './authenticator.js'
import { problemIdOf } from './check-request.js'
import { MissingCredentialsError } from './errors.js'
import { KeygateError } from './keygate-error.js'
import type { Principal } from './principal.js'
import { validateScopes } from './scopes.js'

/** One adapter gate: its authenticator and how it turns a framework request into the core's. */
export type AdapterGate<R> = {
  readonly authenticator: Authenticator
  readonly toAuthRequest: (request: R) => AuthRequest
}

/** What {@link adapterKit} gives an adapter: the per-request call and the public helpers. */
export type AdapterKit<R> = {
  /** Remembers `gate` for the request (for the helpers below) and makes the core's one call. */
  check: (gate: AdapterGate<R>, request: R, scopes: readonly string[]) => Verdict | Promise<Verdict>
  /** The gate that last checked the request; a programming error naming `caller` when none. */
  gateOf: (request: R, caller: string) => AdapterGate<R>
  /** The principal keygate verified for the request, or `undefined`. */
  getPrincipal: (request: R) => Principal | undefined
  /** The verified principal; throws {@link KeygateError} (401 `missing_credentials`) when none. */
  requirePrincipal: (request: R) => Principal
}

/**
 * The glue every adapter shares, over `memoOf` (the object that lives as long as one request:
 * the framework's request, or the Node request under Koa's context). The gate is kept under a
 * symbol only this kit reaches, so no other middleware can pose as keygate.
 *
 * @example
 * ```ts
 * const kit = adapterKit<Request>((req) => req)
 * export const { getPrincipal, requirePrincipal } = kit
 * ```
 */
export function adapterKit<R>(memoOf: (request: R) => object): AdapterKit<R> {
  const kGate = Symbol('keygate.gate')
  const kRequest = Symbol('keygate.request')
  type Tagged = { [kGate]?: AdapterGate<R>; [kRequest]?: AuthRequest }
  const find = (request: R): AdapterGate<R> | undefined => (memoOf(request) as Tagged)[kGate]
  const gateOf = (request: R, caller: string): AdapterGate<R> => {
    const gate = find(request)
    if (gate === undefined) {
      throw new Error(`${caller}: the keygate() middleware must run before it`)
    }
    return gate
  }
  return {
    check(gate, request, scopes) {
      const memo = memoOf(request) as Tagged
      // One AuthRequest per request and gate: a later requireScopes() on the same request reuses
      // the one the gate built, as it reuses the gate's memoised authentication.
      let authRequest = memo[kGate] === gate ? memo[kRequest] : undefined
      if (authRequest === undefined) {
        memo[kGate] = gate
        authRequest = memo[kRequest] = gate.toAuthRequest(request)
      }
      return gate.authenticator.check(authRequest, scopes, memo)
    },
    gateOf,
    getPrincipal: (request) => find(request)?.authenticator.principal(memoOf(request)),
    requirePrincipal(request) {
      const gate = gateOf(request, 'requirePrincipal()')
      const principal = gate.authenticator.principal(memoOf(request))
      if (principal !== undefined) return principal
      const memo = memoOf(request) as Tagged
      const requestId = problemIdOf(memo[kRequest] ?? gate.toAuthRequest(request))
      throw new KeygateError(
        gate.authenticator.respond(new MissingCredentialsError(), { requestId }),
      )
    },
  }
}

/**
 * The checks of the former `auth.requireScopes()` method of the Express and Koa adapters (its
 * message for an empty list or an empty scope is kept), then the one scope grammar.
 *
 * @throws TypeError for an empty list, an empty or non-string scope, or an invalid one.
 */
export function validateGateScopes(scopes: readonly unknown[]): readonly string[] {
  if (scopes.length === 0 || scopes.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError('requireScopes(): scopes must be one or more non-empty strings')
  }
  return validateScopes(scopes, 'requireScopes()')
}

/** Where a framework on Node's `http` keeps what the core reads of a request. */
export type NodeRequestParts<R> = {
  readonly method: (request: R) => string
  /** The request-target as the client sent it: under a mounted router, the full one. */
  readonly path: (request: R) => string
  /** The Node request's `rawHeaders`, which keep every line (a second `Authorization` too). */
  readonly rawHeaders: (request: R) => readonly string[]
  /** The socket's peer address: the client IP unless `clientIp` says otherwise. */
  readonly peerAddress: (request: R) => string | undefined
}

/**
 * The gate of a middleware adapter on Node's `http` (Express, Koa): the authenticator from its
 * options (validated once, here), and the request conversion with the `requestId` and
 * `clientIp` options applied.
 *
 * @throws TypeError for bad options (the core's included).
 * @example
 * ```ts
 * const gate = nodeAdapterGate(options, {
 *   method: (req) => req.method,
 *   path: (req) => req.originalUrl,
 *   rawHeaders: (req) => req.rawHeaders,
 *   peerAddress: (req) => req.socket.remoteAddress,
 * })
 * ```
 */
export function nodeAdapterGate<R>(
  options: AdapterOptions<R>,
  parts: NodeRequestParts<R>,
): AdapterGate<R> {
  const authenticator = adapterAuthenticator(options, {
    where: 'keygate()',
    functions: ['requestId', 'clientIp'],
    badAuthenticator: 'authenticator must be a keygate Authenticator',
  })
  const requestId = options.requestId
  const clientIp = options.clientIp ?? parts.peerAddress
  return {
    authenticator,
    toAuthRequest: (request) => ({
      method: parts.method(request),
      path: parts.path(request),
      header: headersFromRaw(parts.rawHeaders(request)),
      clientIp: clientIp(request),
      problemRequestId: requestId === undefined ? undefined : () => requestId(request),
    }),
  }
}

/**
 * What the `keygate()` of a middleware adapter (Express, Koa) returns: the gate's middleware,
 * its authenticator, and `requireScopes()` bound to this gate.
 */
export type MiddlewareGate<M> = M & {
  readonly authenticator: Authenticator
  /** This gate's `requireScopes` (the same check, bound to this gate). */
  requireScopes(...scopes: string[]): M
}

const NO_SCOPES: readonly string[] = Object.freeze([])

/**
 * Builds a {@link MiddlewareGate} from `middlewareOf(scopes)`, the adapter's middleware that
 * checks `gate` with these scopes; the bound `requireScopes()` validates its scopes once.
 *
 * @throws TypeError from `requireScopes()` for an empty list or an invalid scope.
 * @example
 * ```ts
 * return middlewareGate(gate, (scopes) => handler(gate, scopes))
 * ```
 */
export function middlewareGate<R, M extends object>(
  gate: AdapterGate<R>,
  middlewareOf: (scopes: readonly string[]) => M,
): MiddlewareGate<M> {
  return Object.assign(middlewareOf(NO_SCOPES), {
    authenticator: gate.authenticator,
    requireScopes: (...scopes: string[]) => middlewareOf(validateGateScopes(scopes)),
  })
}
