import type { RouteOptions } from 'fastify'
import { PUBLIC } from '../auth/register-auth.js'
import { auditLoginFailed } from '../audit/audit-login-failed.js'
import type { ServerContext } from '../context.js'
import { normalizeEmail } from '../lib/emails.js'
import { invalidField, ServiceError } from '../lib/errors.js'
import { newSecret } from '../lib/new-secret.js'
import { PASSWORD_MAX } from '../lib/passwords.js'
import { rateLimitLogin } from '../lib/rate-limit-login.js'
import { emailField, passwordField, tokenSecretSchema } from '../lib/schemas.js'
import { verifyPasswordLogin } from '../services/verify-password-login.js'
import { ConflictError } from '../store/types.js'

type Body = {
  email: string
  password: string
  name: string
  scopes?: string[]
  expires_in_days?: number
}

const DAY_MS = 24 * 3600 * 1000

/** The one answer for an unknown email, a wrong password and a disabled user. */
function invalidCredentials(headers: Record<string, string>): ServiceError {
  return new ServiceError('invalid_token', {
    detail: 'The email or password is not valid',
    headers,
  })
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
      const email = normalizeEmail(body.email)
      if (email === undefined) throw invalidField('/email', 'must be an email address')
      const headers = await rateLimitLogin(ctx, request.ip, email)
      const user = await verifyPasswordLogin({
        users: ctx.store.users,
        email,
        password: body.password,
      })
      if (user === undefined) {
        await auditLoginFailed(ctx, request, email, 'token')
        throw invalidCredentials(headers)
      }
      const actor = { kind: 'user' as const, id: user.id }
      await ctx.audit({
        action: 'login.succeeded',
        request,
        actor,
        userId: user.id,
        details: { via: 'token' },
      })

      const scopes = body.scopes ?? [...tokens.defaultScopes]
      const denied = scopes.filter((scope) => !ctx.policy.canGrant(user.role, scope))
      if (denied.length > 0) {
        throw new ServiceError('scope_not_allowed', {
          detail: `Your role does not allow scope: ${denied.join(' ')}`,
          headers,
        })
      }
      const now = ctx.now()
      const expiresAt = new Date(
        now.getTime() + (body.expires_in_days ?? tokens.defaultDays) * DAY_MS,
      )
      const secret = await newSecret(tokens)
      let token
      try {
        token = await ctx.store.tokens.create({
          userId: user.id,
          name: body.name,
          scopes,
          expiresAt,
          createdAt: now,
          digest: secret.digest,
          hint: secret.hint,
        })
      } catch (error) {
        if (error instanceof ConflictError) {
          throw new ServiceError('validation_failed', {
            detail: 'The request body is invalid',
            errors: [{ path: '/name', message: 'a token with this name already exists' }],
            headers,
          })
        }
        throw error
      }
      request.log.info({ tokenId: token.id, userId: user.id }, 'token created')
      await ctx.audit({
        action: 'token.created',
        request,
        actor,
        userId: user.id,
        tokenId: token.id,
        details: {
          name: token.name,
          scopes: token.scopes,
          expires_at: token.expiresAt.toISOString(),
        },
      })
      return reply.code(201).headers(headers).header('cache-control', 'no-store').send({
        id: token.id,
        name: token.name,
        token: secret.token,
        scopes: token.scopes,
        created_at: token.createdAt.toISOString(),
        expires_at: token.expiresAt.toISOString(),
      })
    },
  }
}
