import {
  headersFromRaw,
  type AuthRequest,
  type AuthResult,
  type Authenticator,
} from '@keygate/core'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** Instance decorator holding the gate, so `requireScopes()` finds the plugin's authenticator. */
export const kGate = Symbol('keygate.gate')
/** Request decorator caching the authentication of one request (one check, many scope checks). */
export const kAuthenticated = Symbol('keygate.authenticated')

export type Gate = {
  readonly authenticator: Authenticator
  readonly requestId: (request: FastifyRequest) => string
  readonly clientIp: (request: FastifyRequest) => string | undefined
}

type Authenticated = {
  readonly gate: Gate
  readonly request: AuthRequest
  readonly result: AuthResult
}
type Tagged = FastifyRequest & { [kAuthenticated]?: Authenticated | undefined }

/** The gate registered on `request.server`, or a programming error when the plugin is missing. */
export function gateOf(request: FastifyRequest, caller: string): Gate {
  const gate = (request.server as FastifyInstance & { [kGate]?: Gate })[kGate]
  if (gate === undefined) {
    throw new Error(`${caller}: register the @keygate/fastify plugin first`)
  }
  return gate
}

function toAuthRequest(gate: Gate, request: FastifyRequest): AuthRequest {
  return {
    method: request.raw.method ?? request.method,
    // The request-target as received (rewriteUrl aside): the public-path check must see
    // `/health/../admin` as sent, not as a router would normalise it.
    path: request.raw.url ?? request.url,
    // rawHeaders keeps every line, so a second Authorization header is seen (SPEC §2).
    header: headersFromRaw(request.raw.rawHeaders),
    clientIp: gate.clientIp(request),
    requestId: gate.requestId(request),
  }
}

/**
 * Authenticates the request once (later calls reuse the result), attaches the principal, then
 * checks `scopes` when there are any. Synchronous when the core answers synchronously.
 */
export function check(
  gate: Gate,
  request: FastifyRequest,
  scopes: readonly string[],
): AuthResult | Promise<AuthResult> {
  const tagged = request as Tagged
  const authenticated = tagged[kAuthenticated]
  // Another gate's result never vouches for this one.
  if (authenticated?.gate === gate) return authorize(gate, authenticated, scopes)
  const authRequest = toAuthRequest(gate, request)
  const result = gate.authenticator.authenticate(authRequest)
  if (result instanceof Promise) {
    return result.then((settled) => remember(gate, tagged, authRequest, settled, scopes))
  }
  return remember(gate, tagged, authRequest, result, scopes)
}

function remember(
  gate: Gate,
  request: Tagged,
  authRequest: AuthRequest,
  result: AuthResult,
  scopes: readonly string[],
): AuthResult {
  const authenticated = { gate, request: authRequest, result }
  request[kAuthenticated] = authenticated
  request.auth = result.ok ? result.principal : undefined
  return authorize(gate, authenticated, scopes)
}

function authorize(
  gate: Gate,
  authenticated: Authenticated,
  scopes: readonly string[],
): AuthResult {
  if (scopes.length === 0) return authenticated.result
  return gate.authenticator.authorize(authenticated.result, scopes, authenticated.request)
}

/** The principal of a request the gate let through with a verified credential. */
export function principalOf(request: FastifyRequest): FastifyRequest['auth'] {
  const result = (request as Tagged)[kAuthenticated]?.result
  return result?.ok === true ? result.principal : undefined
}

/** Writes the problem+json answer for a refused request. */
export function sendProblem(
  gate: Gate,
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
): FastifyReply {
  const problem = gate.authenticator.respond(error, { requestId: gate.requestId(request) })
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type('application/problem+json')
    .send(problem.body)
}
