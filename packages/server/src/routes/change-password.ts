import type { RouteOptions } from 'fastify'
import { needs, principalOf } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { operationDepsOf } from '../lib/operation-deps-of.js'
import { PASSWORD_MAX, PASSWORD_MIN } from '../lib/passwords.js'
import { newPasswordField, passwordField } from '../lib/schemas.js'
import { changePassword } from '../operations/change-password.js'

type Body = { current_password: string; new_password: string }

/**
 * `PUT /v1/users/me/password` (any valid token of the user): change one's own password. The
 * current password is required — a leaked token alone cannot take the account over — and its
 * check is rate limited like a login. Every session of the user ends; when the request came
 * with the session cookie, the answer sets a fresh one, so the browser that changed it stays
 * signed in. Existing API tokens stay valid (they are separate credentials; revoke them
 * explicitly). `204`.
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
      const body = request.body as Body
      const principal = principalOf(request)
      const headers = await changePassword(operationDepsOf(ctx, request), {
        userId: principal.subject,
        currentPassword: body.current_password,
        newPassword: body.new_password,
      })
      // A browser (the console) goes on with a new session; a bearer session has ended with the rest.
      if (principal.via === 'session' && request.headers.authorization === undefined) {
        const me = await ctx.store.users.findById(principal.subject)
        if (me !== undefined) {
          reply.header('set-cookie', ctx.sessions.cookie(await ctx.sessions.issue(me)))
        }
      }
      return reply.code(204).headers(headers).send()
    },
  }
}
