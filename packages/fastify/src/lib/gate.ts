import { headersFromRaw, type AuthRequest, type Authenticator, type Verdict } from '@keygate/core'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** Instance decorator holding the gate, so `requireScopes()` finds the plugin's authenticator. */
export const kGate = Symbol('keygate.gate')

export type Gate = {
  readonly authenticator: Authenticator
  readonly requestId: (request: FastifyRequest) => string
  readonly clientIp: (request: FastifyRequest) => string | undefined
}

type WithGate = FastifyInstance & { [kGate]?: Gate }

/** The gate registered on `request.server`, if any. */
export function findGate(request: FastifyRequest): Gate | undefined {
  return (request.server as WithGate)[kGate]
}

/** The gate registered on `request.server`, or a programming error when the plugin is missing. */
export function gateOf(request: FastifyRequest, caller: string): Gate {
  const gate = findGate(request)
  if (gate === undefined) {
    throw new Error(`${caller}: register the @keygate/fastify plugin first`)
  }
  return gate
}

/**
 * The core's view of a Fastify request. `clientIp` and `requestId` are read only when the core
 * asks (a decision reported to `onDecision`, a problem answer): `request.ip` runs proxy-addr on
 * every read when Fastify's `trustProxy` is on, which a verified request without `onDecision`
 * never needs.
 */
class FastifyAuthRequest implements AuthRequest {
  readonly method: string
  readonly path: string
  readonly header: AuthRequest['header']
  constructor(
    private readonly gate: Gate,
    private readonly request: FastifyRequest,
  ) {
    this.method = request.raw.method ?? request.method
    // The request-target as received (rewriteUrl aside): the public-path check must see
    // `/health/../admin` as sent, not as a router would normalise it.
    this.path = request.raw.url ?? request.url
    // rawHeaders keeps every line, so a second Authorization header is seen (SPEC §2).
    this.header = headersFromRaw(request.raw.rawHeaders)
  }
  get clientIp(): string | undefined {
    return this.gate.clientIp(this.request)
  }
  get requestId(): string {
    return this.gate.requestId(this.request)
  }
}

/**
 * The core's one call for this request: authenticates once (the memo is the Fastify request, so
 * later calls reuse it), checks `scopes`, attaches the principal. Synchronous when the core is.
 */
export function check(
  gate: Gate,
  request: FastifyRequest,
  scopes: readonly string[],
): Verdict | Promise<Verdict> {
  const verdict = gate.authenticator.check(new FastifyAuthRequest(gate, request), scopes, request)
  if (verdict instanceof Promise) return verdict.then((settled) => attach(request, settled))
  return attach(request, verdict)
}

function attach(request: FastifyRequest, verdict: Verdict): Verdict {
  if (verdict.ok) request.auth = verdict.principal
  return verdict
}

/** Writes the finished problem answer of a refused request. */
export function sendProblem(
  reply: FastifyReply,
  verdict: Extract<Verdict, { ok: false }>,
): FastifyReply {
  const { status, headers, body } = verdict.problem
  return reply.code(status).headers(headers).send(body)
}
