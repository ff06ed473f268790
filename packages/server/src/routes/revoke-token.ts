import type { RouteOptions } from 'fastify'
import { needs, principalOf } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { idParams } from '../lib/schemas.js'
import { findManageableToken } from '../lib/find-manageable-token.js'

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
      const token = await findManageableToken(ctx, principal, (request.params as { id: string }).id)
      const revoked = await ctx.store.tokens.revoke(token.id, ctx.now())
      ctx.invalidate(token.id)
      request.log.info(
        { tokenId: token.id, userId: token.userId, by: principal.subject },
        'token revoked',
      )
      // Revoking a revoked token is a no-op: one event per revocation.
      if (revoked) {
        await ctx.audit({
          action: 'token.revoked',
          request,
          userId: token.userId,
          tokenId: token.id,
        })
      }
      return reply.code(204).send()
    },
  }
}
