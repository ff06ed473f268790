import type { RouteOptions } from 'fastify'
import { needs, principalOf } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { operationDepsOf } from '../lib/operation-deps-of.js'
import { idParams } from '../lib/schemas.js'
import { tokenOwnerFor } from '../lib/token-owner-for.js'
import { revokeToken } from '../operations/revoke-token.js'

/**
 * `DELETE /v1/auth/tokens/{id}`: the owner with `tokens:write`, or anyone with `tokens:manage`.
 * `204`, also when the token was already revoked. Another user's token and a missing one get the
 * same `404` (same status, body and headers), so ids cannot be probed.
 */
export function revokeTokenRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'DELETE',
    url: '/v1/auth/tokens/:id',
    config: needs(),
    schema: {
      summary: 'Revoke an API token',
      params: idParams,
      response: { 204: { type: 'null', description: 'Revoked (or already revoked).' } },
    },
    handler: async (request, reply) => {
      const principal = principalOf(request)
      await revokeToken(operationDepsOf(ctx, request), {
        tokenId: (request.params as { id: string }).id,
        owner: tokenOwnerFor(principal),
        by: principal.subject,
      })
      return reply.code(204).send()
    },
  }
}
