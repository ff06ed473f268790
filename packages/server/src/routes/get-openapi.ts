import type { RouteOptions } from 'fastify'
import { PUBLIC } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'

/**
 * `GET /openapi.json` (public): the OpenAPI 3.1 document of every route this server registered,
 * built from the schemas that validate its requests (docs/observability.md#api-description).
 */
export function getOpenAPIRoute(ctx: ServerContext): RouteOptions {
  let body: string | undefined
  return {
    method: 'GET',
    url: '/openapi.json',
    config: PUBLIC,
    schema: {
      summary: 'The OpenAPI 3.1 document of this API',
      tags: ['reference'],
      operationId: 'getOpenAPIDocument',
      response: {
        200: {
          description: 'An OpenAPI 3.1 document',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
      },
    },
    handler: (_request, reply) => {
      // Built once, on first use: every route is registered by then.
      body ??= JSON.stringify(ctx.apiDocument())
      return reply.type('application/json; charset=utf-8').send(body)
    },
  }
}
