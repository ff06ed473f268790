import { AuthError, headersFromRaw, InvalidRequestError } from '@keygate/core'
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { PUBLIC } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { originalRequest } from '../edge/original-request.js'
import type { ServiceProblem } from '../lib/service-problem.js'

/** The path forward-auth sub-requests are sent to; anything under it is Envoy's path prefix. */
export const CHECK_PATH = '/v1/auth/check'

// Every method: Envoy's ext_authz sends the original one; nginx and Traefik send GET.
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']

function splitTarget(url: string): { suffix: string; query: string } {
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  return { suffix: path.slice(CHECK_PATH.length), query: q === -1 ? '' : url.slice(q + 1) }
}

/**
 * `/v1/auth/check` and everything under it, any method (SPEC §6, docs/edge.md): forward-auth for
 * nginx `auth_request`, Traefik ForwardAuth and Envoy `ext_authz`. The original request comes
 * from the proxy's headers, believed only from `trustProxy` peers (see `originalRequest`); the
 * rules decide what it needs. Allowed: `200`, no body, `X-Keygate-Subject`, `X-Keygate-Scopes`,
 * `X-Keygate-Token-Id`, `X-Keygate-Via`, the configured `Cache-Control`, and `Keygate-Assertion`
 * when `forwardAuth.audience` is set (its `aud`; never derived from the request).
 * Refused: the usual problem+json and `WWW-Authenticate`, plus the problem in one
 * `X-Keygate-Problem` header so that nginx (which drops a sub-request's body) can answer it.
 */
export function checkAuthRoutes(ctx: ServerContext): RouteOptions[] {
  const { gate, trusted } = ctx.edge
  const { cacheControl, audience } = ctx.config.forwardAuth

  function refuse(reply: FastifyReply, problem: ServiceProblem) {
    const json = JSON.stringify(problem.body)
    return reply
      .code(problem.status)
      .headers(problem.headers)
      .header('x-keygate-problem', json.replace(/[^\x20-\x7e]/g, escape))
      .send(json)
  }

  async function decide(request: FastifyRequest) {
    const header = headersFromRaw(request.raw.rawHeaders)
    const original = originalRequest({
      method: request.method,
      ...splitTarget(request.raw.url ?? request.url),
      header,
      trusted: trusted(request.socket.remoteAddress),
      protocol: request.protocol === 'https' ? 'https' : 'http',
    })
    if (original.path === undefined && gate.hasRules) {
      throw new InvalidRequestError({
        detail:
          'The original URI is missing: send X-Original-URI (nginx) or X-Forwarded-Uri (Traefik), or append it to the path (Envoy)',
      })
    }
    return gate.decide({
      method: original.method,
      path: original.path,
      header,
      clientIp: request.ip,
      requestId: request.id,
      // From configuration only: the Host a client sent must never pick the audience of an
      // assertion it then receives (it could replay it to another upstream).
      audience,
    })
  }

  async function handler(request: FastifyRequest, reply: FastifyReply) {
    let answer
    try {
      answer = await decide(request)
    } catch (error) {
      // A refused forwarded request is answered like a refused credential (with the problem
      // header nginx needs); anything else goes to the error handler.
      if (!(error instanceof AuthError)) throw error
      return refuse(reply, gate.respond(error, request.id))
    }
    if (!answer.ok) return refuse(reply, answer.problem)
    return reply.code(200).headers(answer.headers).header('cache-control', cacheControl).send()
  }

  const schema = {
    summary: 'Forward-auth check (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz)',
    description:
      'Decides the request a proxy forwards, from X-Original-Method/X-Original-URI (nginx), ' +
      'X-Forwarded-Method/-Proto/-Host/-Uri (Traefik) or the path under /v1/auth/check (Envoy), ' +
      'believed only from trustProxy peers, and the forwardAuth rules. Every method, and every ' +
      'path under /v1/auth/check (Envoy path_prefix), answers the same way. See docs/edge.md.',
    tags: ['edge'],
    security: [{ apiToken: [] }, { session: [] }],
    errors: ['insufficient_scope', 'csrf_failed'],
    response: {
      200: {
        description:
          'Allowed. Identity in X-Keygate-Subject, X-Keygate-Scopes, X-Keygate-Token-Id, ' +
          'X-Keygate-Via and Keygate-Assertion; no body.',
        type: 'null',
      },
    },
  } as const
  return [
    { method: METHODS, url: CHECK_PATH, config: PUBLIC, schema, handler },
    // OpenAPI has no wildcard path: the description of /v1/auth/check says what is under it.
    {
      method: METHODS,
      url: `${CHECK_PATH}/*`,
      config: PUBLIC,
      schema: { ...schema, hide: true },
      handler,
    },
  ]
}

// Header values are visible ASCII: anything else in the JSON becomes a \u escape (still JSON).
function escape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
}
