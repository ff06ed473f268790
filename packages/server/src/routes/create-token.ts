import type { RouteOptions } from 'fastify'
import { PUBLIC } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { operationDepsOf } from '../lib/operation-deps-of.js'
import { PASSWORD_MAX } from '../lib/passwords.js'
import { emailField, passwordField, tokenSecretSchema } from '../lib/schemas.js'
import { tokenSecretView } from '../lib/views.js'
import { issueToken } from '../operations/issue-token.js'
import { logInWithPassword } from '../operations/log-in-with-password.js'

type Body = {
  email: string
  password: string
  name: string
  scopes?: string[]
  expires_in_days?: number
}

/**
 * `POST /v1/auth/tokens`: email + password → a new API token, shown once (`Cache-Control:
 * no-store`). Order matters: schema (unknown fields, unknown scopes, expiry outside the policy)
 * → rate limits (IP, then email) → the password check (one argon2 verification on every path)
 * → scopes the user's role may grant (`403 scope_not_allowed`) → create.
 */
export function createTokenRoute(ctx: ServerContext): RouteOptions {
  const { tokens } = ctx.config
  return {
    method: 'POST',
    url: '/v1/auth/tokens',
    config: PUBLIC,
    schema: {
      summary: 'Create an API token with email and password',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'password', 'name'],
        properties: {
          email: emailField(),
          password: passwordField(PASSWORD_MAX),
          name: {
            type: 'string',
            minLength: 1,
            maxLength: 100,
            pattern: '^[^\\u0000-\\u001f\\u007f]+$',
          },
          scopes: {
            type: 'array',
            maxItems: ctx.policy.scopes.length,
            uniqueItems: true,
            items: { type: 'string', enum: [...ctx.policy.scopes] },
          },
          expires_in_days: { type: 'integer', minimum: tokens.minDays, maximum: tokens.maxDays },
        },
      },
      response: { 201: tokenSecretSchema },
      errors: ['invalid_token', 'scope_not_allowed', 'rate_limited', 'auth_unavailable'],
    },
    handler: async (request, reply) => {
      const body = request.body as Body
      const deps = operationDepsOf(ctx, request)
      const { user, headers } = await logInWithPassword(deps, {
        email: body.email,
        password: body.password,
        via: 'token',
      })
      const { token, secret } = await issueToken(deps, {
        user,
        name: body.name,
        scopes: body.scopes,
        expiresInDays: body.expires_in_days,
        actor: { kind: 'user', id: user.id },
        headers,
      })
      return reply
        .code(201)
        .headers(headers)
        .header('cache-control', 'no-store')
        .send(tokenSecretView(token, secret))
    },
  }
}
