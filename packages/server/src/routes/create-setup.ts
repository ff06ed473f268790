import type { RouteOptions } from 'fastify'
import { PUBLIC } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { notFound, ServiceError } from '../lib/errors.js'
import { PASSWORD_MAX, PASSWORD_MIN } from '../lib/passwords.js'
import { operationDepsOf } from '../lib/operation-deps-of.js'
import { emailField, newPasswordField, userSchema } from '../lib/schemas.js'
import { userView } from '../lib/views.js'
import { clientKey } from '../rate-limit/client-key.js'
import { rateLimitHeaders } from '../rate-limit/rate-limit-headers.js'
import { completeSetup } from '../operations/complete-setup.js'
import { setupCodePath } from '../setup/setup-file.js'

type Body = { code: string; email: string; password: string }

/**
 * Attempts per client IP. A code has 140 random bits, so this is not what keeps it from being
 * guessed; it keeps a scanner from filling the logs and the database with attempts.
 */
export const SETUP_RATE_LIMIT = Object.freeze({ name: 'setup', limit: 10, windowSeconds: 900 })

/**
 * `POST /v1/setup` (public): `{code, email, password}` → `201` with the first admin. Only while
 * a setup code is pending and no user exists; otherwise — before `keygate serve` issued a code,
 * and for good once the first user exists — `404`. Order: schema → pending? (404) → rate limit
 * per client IP (429) → the code, in constant time (400 `/code`) → claim (one winner) → create.
 */
export function createSetupRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/setup',
    config: PUBLIC,
    schema: {
      summary: 'Create the first admin with the one-time setup code',
      description:
        '`keygate serve` prints the code at a first start with no users (valid one hour, single use). Answers 404 once any user exists.',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'email', 'password'],
        properties: {
          code: { type: 'string', minLength: 1, maxLength: 64 },
          email: emailField(),
          password: newPasswordField(PASSWORD_MIN, PASSWORD_MAX),
        },
      },
      response: { 201: userSchema },
    },
    handler: async (request, reply) => {
      const body = request.body as Body
      const pending = await ctx.store.setup.get()
      if (pending === undefined || (await ctx.store.users.count()) > 0) throw notFound()

      const decision = await ctx.rateLimiter.consume(clientKey(request.ip), SETUP_RATE_LIMIT)
      const headers = rateLimitHeaders([decision])
      if (!decision.allowed) {
        throw new ServiceError('rate_limited', {
          detail: `Too many setup attempts; retry after ${headers['retry-after']} seconds`,
          headers,
          retryAfterSeconds: Number(headers['retry-after']),
        })
      }

      const user = await completeSetup({
        store: ctx.store,
        pending,
        code: body.code,
        email: body.email,
        password: body.password,
        roles: ctx.policy.roles,
        now: ctx.now(),
        headers,
        file: setupCodePath(ctx.config.database.url),
        audit: operationDepsOf(ctx, request).audit,
        log: request.log,
      })
      return reply.code(201).headers(headers).send(userView(user))
    },
  }
}
