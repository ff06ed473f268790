import type { RouteOptions } from 'fastify'
import { PUBLIC } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'

/**
 * `GET /v1/setup` (public): `{"pending": true}` while a setup code waits to create the first
 * admin (no user exists yet), else `false`, so that the console knows whether to show the
 * first-start page. It says no more than `POST /v1/setup` does (a 404 once a user exists).
 */
export function getSetupRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'GET',
    url: '/v1/setup',
    config: PUBLIC,
    schema: {
      summary: 'Whether the first admin is still to be created',
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['pending'],
          properties: {
            pending: {
              type: 'boolean',
              description: 'True while a setup code is pending and no user exists.',
            },
          },
        },
      },
    },
    handler: async () => {
      const pending =
        (await ctx.store.setup.get()) !== undefined && (await ctx.store.users.count()) === 0
      return { pending }
    },
  }
}
