import type { RouteOptions } from 'fastify'
import { holds, insufficientScope, needs, principalOf } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { pageQuery, pageSchema, tokenSchema } from '../lib/schemas.js'
import { tokenView } from '../lib/views.js'

type Query = { cursor?: string; limit?: number; all?: boolean }

/**
 * `GET /v1/auth/tokens` (`tokens:read`): the caller's tokens, metadata only, newest first, with
 * `is_revoked`/`is_expired` and cursor pagination. `?all=true` lists every user's tokens and
 * needs `tokens:manage` as well.
 */
export function listTokensRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'GET',
    url: '/v1/auth/tokens',
    config: needs('tokens:read'),
    schema: {
      summary: 'List API tokens',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { ...pageQuery, all: { type: 'boolean', default: false } },
      },
      response: { 200: pageSchema(tokenSchema) },
    },
    handler: async (request) => {
      const principal = principalOf(request)
      const query = request.query as Query
      if (query.all === true && !holds(principal, 'tokens:manage'))
        throw insufficientScope('tokens:read', 'tokens:manage')
      const page = { cursor: query.cursor, limit: query.limit }
      const result =
        query.all === true
          ? await ctx.store.tokens.listAll(page)
          : await ctx.store.tokens.listByUser(principal.subject, page)
      const now = ctx.now()
      return {
        items: result.items.map((t) => tokenView(t, now)),
        next_cursor: result.nextCursor ?? null,
      }
    },
  }
}
