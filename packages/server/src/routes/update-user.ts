import type { RouteOptions } from 'fastify'
import { needs, principalOf } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { operationDepsOf } from '../lib/operation-deps-of.js'
import { idParams, userSchema } from '../lib/schemas.js'
import { userView } from '../lib/views.js'
import { updateUser } from '../operations/update-user.js'

type Body = { role?: string; disabled?: boolean }

/**
 * `PATCH /v1/users/{id}` (`users:manage`): change a user's role or disable/enable them.
 * Disabling revokes every token of the user; a new role revokes the tokens that carry a scope the
 * new role may not grant. Either takes effect on this instance at once. Nobody can disable or
 * change the role of their own user here (no accidental lock-out of the last admin).
 */
export function updateUserRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'PATCH',
    url: '/v1/users/:id',
    config: needs('users:manage'),
    schema: {
      summary: 'Change a user’s role or disable a user',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          role: { type: 'string', enum: [...ctx.policy.roles] },
          disabled: { type: 'boolean' },
        },
      },
      response: { 200: userSchema },
    },
    handler: async (request) => {
      const body = request.body as Body
      const { user } = await updateUser(operationDepsOf(ctx, request), {
        userId: (request.params as { id: string }).id,
        role: body.role,
        disabled: body.disabled,
        by: principalOf(request).subject,
      })
      return userView(user)
    },
  }
}
