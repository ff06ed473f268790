import type { RouteOptions } from 'fastify'
import { needs, principalOf } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { ServiceError } from '../lib/errors.js'
import { operationDepsOf } from '../lib/operation-deps-of.js'
import { revokeCurrentToken } from '../operations/revoke-current-token.js'

/**
 * `DELETE /v1/auth/tokens/current` (any valid API token): revokes the token presented. `204`;
 * the token is refused on this instance from the next request on.
 */
export function revokeCurrentTokenRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'DELETE',
    url: '/v1/auth/tokens/current',
    config: needs(),
    schema: {
      summary: 'Revoke the API token presented',
      response: { 204: { type: 'null', description: 'Revoked.' } },
    },
    handler: async (request, reply) => {
      const principal = principalOf(request)
      if (principal.via !== 'api-token' || principal.tokenId === undefined) {
        throw new ServiceError('validation_failed', {
          detail: 'Only an API token can revoke itself',
        })
      }
      await revokeCurrentToken(operationDepsOf(ctx, request), {
        tokenId: principal.tokenId,
        userId: principal.subject,
      })
      return reply.code(204).send()
    },
  }
}
