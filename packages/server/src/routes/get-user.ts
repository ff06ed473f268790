import type { RouteOptions } from 'fastify'
import { needs } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { notFound } from '../lib/errors.js'
import { isUUID } from '../lib/uuid.js'
import { idParams, userSchema } from '../lib/schemas.js'
import { userView } from '../lib/views.js'

/** `GET /v1/users/{id}` (`users:manage`): one user. */
export function getUserRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'GET',
    url: '/v1/users/:id',
    config: needs('users:manage'),
    schema: { summary: 'Get a user', params: idParams, response: { 200: userSchema } },
    handler: async (request) => {
      const { id } = request.params as { id: string }
      const user = isUUID(id) ? await ctx.store.users.findById(id) : undefined
      if (user === undefined) throw notFound()
      return userView(user)
    },
  }
}
