import type { FastifyInstance, RouteOptions } from 'fastify'
import { behind, type SideGate } from '../auth/side-gate.js'
import type { ServerContext } from '../context.js'
import { INACTIVE, introspectCredential } from '../introspection/introspect-credential.js'
import { ServiceError } from '../lib/errors.js'

type Body = { token: string; token_type_hint?: string }

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * The `application/x-www-form-urlencoded` body RFC 7662 §2.1 callers send. Registered only in the
 * introspection route's own scope: no other route accepts a form (a browser can post one
 * cross-site without a preflight). A repeated parameter is refused, as RFC 6749 §3.1 requires.
 */
export function addFormParser(scope: FastifyInstance): void {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      const params = new URLSearchParams(body as string)
      const result: Record<string, string> = {}
      for (const [name, value] of params) {
        if (FORBIDDEN.has(name) || Object.hasOwn(result, name)) {
          done(
            new ServiceError('validation_failed', {
              detail: 'The request body is invalid',
              errors: [{ path: `/${name}`, message: 'must appear at most once' }],
            }),
            undefined,
          )
          return
        }
        result[name] = value
      }
      done(null, result)
    },
  )
}

/**
 * `POST /v1/auth/introspect` (service token): RFC 7662 token introspection for services that
 * verify keygate credentials remotely (docs/remote-verification.md). The body is `{token}` as
 * JSON or as a form; `token_type_hint` is accepted and ignored (an API token and a session are
 * told apart by their shape). A valid API token or session answers
 * `{active: true, sub, scope, exp, iat, token_id, token_type, username, role}`; anything else
 * answers exactly `{"active":false}`. Always `Cache-Control: no-store`.
 */
export function introspectTokenRoute(ctx: ServerContext, gate: SideGate): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/auth/introspect',
    // Behind the service-token gate rather than the API-token one.
    config: behind(gate),
    schema: {
      summary: 'Introspect an API token or session (RFC 7662)',
      description:
        'For services that verify keygate credentials remotely. Authenticate with the service ' +
        'token (`Authorization: Bearer`). Every inactive case answers the same bytes, `{"active":false}`.',
      tags: ['remote verification'],
      security: [{ serviceToken: [] }],
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['token'],
        properties: {
          token: { type: 'string', minLength: 1, maxLength: 4096 },
          token_type_hint: { type: 'string', maxLength: 64 },
        },
      },
      response: {
        200: {
          description: 'The introspection answer.',
          type: 'object',
          required: ['active'],
          properties: {
            active: { type: 'boolean' },
            sub: { type: 'string', description: 'The owner’s user id.' },
            scope: { type: 'string', description: 'Space-separated scopes.' },
            exp: { type: 'integer' },
            iat: { type: 'integer' },
            token_id: { type: 'string' },
            token_type: { type: 'string', enum: ['api_token', 'session'] },
            username: { type: 'string', description: 'The owner’s email.' },
            role: { type: 'string' },
          },
        },
      },
    },
    handler: async (request, reply) => {
      const { token } = request.body as Body
      const answer = await introspectCredential(token, {
        apiTokens: ctx.tokenStrategy,
        sessions: ctx.sessions.strategy,
        store: ctx.store,
        policy: ctx.policy,
      })
      // Written as bytes: the response schema's serializer must not reorder or reformat them.
      return reply
        .code(200)
        .header('cache-control', 'no-store')
        .type('application/json; charset=utf-8')
        .serializer((payload: unknown) => payload as string)
        .send(answer === undefined ? INACTIVE : JSON.stringify(answer))
    },
  }
}
