import { headersFromRaw } from '@keygate/core'
import type { RouteOptions } from 'fastify'
import { PUBLIC } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { operationDepsOf } from '../lib/operation-deps-of.js'
import { PASSWORD_MAX } from '../lib/passwords.js'
import { emailField, passwordField } from '../lib/schemas.js'
import { logInWithPassword } from '../operations/log-in-with-password.js'

type Body = { email: string; password: string; cookie?: boolean }

const timestamp = { type: 'string', format: 'date-time' } as const

/** The answer of `POST /v1/auth/sessions`. */
export const sessionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'user_id', 'scopes', 'expires_at'],
  properties: {
    id: { type: 'string', description: 'The session id (the JWT’s `jti`).' },
    user_id: { type: 'string', format: 'uuid' },
    token_type: { type: 'string', enum: ['Bearer'] },
    token: {
      type: 'string',
      description:
        'The session JWT, for `Authorization: Bearer`. Absent when `cookie` was true: the session is then only in the HttpOnly cookie.',
    },
    scopes: { type: 'array', items: { type: 'string' } },
    expires_at: timestamp,
  },
} as const

/**
 * `POST /v1/auth/sessions`: email + password → a short-lived signed session (docs/sessions.md).
 * The same rate limits (they share the budget of `POST /v1/auth/tokens`: both are password
 * guesses) and the same timing rules (one argon2 verification on every path; one answer for an
 * unknown email, a wrong password and a disabled user). With `cookie: true` the session is set
 * as an `HttpOnly; Secure; SameSite=Strict` cookie and left out of the body, and the request
 * must come from an allowed origin (login CSRF); otherwise the JWT is in the body, for
 * `Authorization: Bearer`.
 */
export function createSessionRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/auth/sessions',
    config: PUBLIC,
    schema: {
      summary: 'Log in: create a session with email and password',
      tags: ['sessions'],
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'password'],
        properties: {
          email: emailField(),
          password: passwordField(PASSWORD_MAX),
          cookie: {
            type: 'boolean',
            description:
              'Set the session as an HttpOnly cookie (browsers) instead of returning it.',
          },
        },
      },
      response: { 201: sessionSchema },
      errors: ['invalid_token', 'csrf_failed', 'rate_limited', 'auth_unavailable'],
    },
    handler: async (request, reply) => {
      const body = request.body as Body
      const cookie = body.cookie === true
      // A cross-site page must not log a browser in (login CSRF): a browser names the page. No
      // credential is judged here (the route is public), only the headers that name the page.
      const origin = { header: headersFromRaw(request.raw.rawHeaders) }
      if (cookie) ctx.sessions.origin.require(origin)
      else ctx.sessions.origin.ifPresent(origin)
      const { user, headers } = await logInWithPassword(operationDepsOf(ctx, request), {
        email: body.email,
        password: body.password,
        via: 'session',
      })
      const session = await ctx.sessions.issue(user)
      request.log.info({ sessionId: session.jti, userId: user.id }, 'session created')
      reply.code(201).headers(headers).header('cache-control', 'no-store')
      if (cookie) reply.header('set-cookie', ctx.sessions.cookie(session))
      return reply.send({
        id: session.jti,
        user_id: user.id,
        ...(cookie ? {} : { token_type: 'Bearer', token: session.token }),
        scopes: [...session.scopes],
        expires_at: session.expiresAt.toISOString(),
      })
    },
  }
}
