import type { RouteOptions } from 'fastify'
import { needs, principalOf } from '../auth/register-auth.js'
import { auditLoginFailed } from '../audit/audit-login-failed.js'
import type { ServerContext } from '../context.js'
import { invalidField, notFound } from '../lib/errors.js'
import { passwords, PASSWORD_MAX, PASSWORD_MIN } from '../lib/passwords.js'
import { rateLimitLogin } from '../lib/rate-limit-login.js'
import { newPasswordField, passwordField } from '../lib/schemas.js'
import { verifyPasswordLogin } from '../services/verify-password-login.js'

type Body = { current_password: string; new_password: string }

/**
 * `PUT /v1/users/me/password` (any valid token of the user): change one's own password. The
 * current password is required — a leaked token alone cannot take the account over — and its
 * check is rate limited like a login. Existing API tokens stay valid (they are separate
 * credentials; revoke them explicitly). `204`.
 */
export function changePasswordRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'PUT',
    url: '/v1/users/me/password',
    config: needs(),
    schema: {
      summary: 'Change your own password',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['current_password', 'new_password'],
        properties: {
          current_password: passwordField(PASSWORD_MAX),
          new_password: newPasswordField(PASSWORD_MIN, PASSWORD_MAX),
        },
      },
      response: { 204: { type: 'null', description: 'Changed.' } },
      errors: ['rate_limited', 'not_found'],
    },
    handler: async (request, reply) => {
      const principal = principalOf(request)
      const body = request.body as Body
      const me = await ctx.store.users.findById(principal.subject)
      if (me === undefined) throw notFound()
      const headers = await rateLimitLogin(ctx, request.ip, me.email)
      const verified = await verifyPasswordLogin({
        users: ctx.store.users,
        email: me.email,
        password: body.current_password,
      })
      if (verified === undefined || verified.id !== me.id) {
        await auditLoginFailed(ctx, request, me.email, 'password_change')
        const error = invalidField('/current_password', 'is not correct')
        Object.assign(error.headers, headers)
        throw error
      }
      const passwordHash = await passwords.hash(body.new_password)
      await ctx.store.users.update(me.id, { passwordHash })
      request.log.info({ userId: me.id }, 'password changed')
      await ctx.audit({
        action: 'user.changed',
        request,
        userId: me.id,
        details: { password: 'changed' },
      })
      return reply.code(204).headers(headers).send()
    },
  }
}
