import type { RouteOptions } from 'fastify'
import { needs } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { pageQuery, pageSchema, userSchema } from '../lib/schemas.js'
import { userView } from '../lib/views.js'

/** `GET /v1/users` (`users:manage`): every user, newest first, cursor pagination. */
export function listUsersRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'GET',
    url: '/v1/users',
    config: needs('users:manage'),
    schema: {
      summary: 'List users',
      querystring: { type: 'object', additionalProperties: false, properties: { ...pageQuery } },
      response: { 200: pageSchema(userSchema) },
    },
    handler: async (request) => {
      const query = request.query as { cursor?: string; limit?: number }
      const page = await ctx.store.users.list({ cursor: query.cursor, limit: query.limit })
      return { items: page.items.map(userView), next_cursor: page.nextCursor ?? null }
    },
  }
}
