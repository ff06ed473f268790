import type { RouteOptions } from 'fastify'
import { needs, principalOf } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { notFound } from '../lib/errors.js'
import { userSchema } from '../lib/schemas.js'
import { userView } from '../lib/views.js'

/** `GET /v1/users/me` (any valid token): the caller's own user. */
export function getCurrentUserRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'GET',
    url: '/v1/users/me',
    config: needs(),
    schema: { summary: 'The current user', response: { 200: userSchema } },
    handler: async (request) => {
      const user = await ctx.store.users.findById(principalOf(request).subject)
      if (user === undefined) throw notFound()
      return userView(user)
    },
  }
}
