import type { RouteOptions } from 'fastify'
import { needs, principalOf } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { ServiceError } from '../lib/errors.js'

/**
 * `DELETE /v1/auth/sessions/current` (a session, as a cookie or a bearer): ends the session
 * presented (logout). `204`, and the cookie is cleared. The session's id is refused from the next
 * request on — on this instance at once, on the others within `cache.ttlMs` — until it expires.
 * With the cookie, the request must come from an allowed origin like every cookie write.
 */
export function deleteCurrentSessionRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'DELETE',
    url: '/v1/auth/sessions/current',
    config: needs(),
    schema: { summary: 'Log out: end the session presented', tags: ['sessions'] },
    handler: async (request, reply) => {
      const principal = principalOf(request)
      if (principal.via !== 'session' || principal.tokenId === undefined) {
        throw new ServiceError('validation_failed', {
          detail: 'Only a session can end itself',
        })
      }
      await ctx.sessions.end(principal.tokenId)
      // The other instances drop it from their caches too (the revocation bus, when there is one).
      ctx.invalidate(principal.tokenId)
      request.log.info({ sessionId: principal.tokenId, userId: principal.subject }, 'session ended')
      return reply.code(204).header('set-cookie', ctx.sessions.clearCookie()).send()
    },
  }
}
