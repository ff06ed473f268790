import type { RouteOptions } from 'fastify'
import { needs, principalOf } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { invalidField, notFound } from '../lib/errors.js'
import { revokeUserTokens } from '../lib/revoke-user-tokens.js'
import { idParams, userSchema } from '../lib/schemas.js'
import { isUUID } from '../lib/uuid.js'
import { userView } from '../lib/views.js'

type Body = { role?: string; disabled?: boolean }

/**
 * `PATCH /v1/users/{id}` (`users:manage`): change a user's role or disable/enable them.
 * Disabling revokes every token of the user; a new role revokes the tokens that carry a scope the
 * new role may not grant. Either takes effect on this instance at once. Nobody can disable or
 * change the role of their own user here (no accidental lock-out of the last admin).
 */
export function updateUserRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'PATCH',
    url: '/v1/users/:id',
    config: needs('users:manage'),
    schema: {
      summary: 'Change a user’s role or disable a user',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          role: { type: 'string', enum: [...ctx.policy.roles] },
          disabled: { type: 'boolean' },
        },
      },
      response: { 200: userSchema },
    },
    handler: async (request) => {
      const principal = principalOf(request)
      const { id } = request.params as { id: string }
      const body = request.body as Body
      if (!isUUID(id)) throw notFound()
      if (id === principal.subject) {
        throw invalidField(
          body.role !== undefined ? '/role' : '/disabled',
          'cannot be changed on your own user',
        )
      }
      const before = await ctx.store.users.findById(id)
      if (before === undefined) throw notFound()
      const user = await ctx.store.users.update(id, body)
      if (user === undefined) throw notFound()
      const changes: Record<string, unknown> = {}
      if (before.role !== user.role) changes.role = { from: before.role, to: user.role }
      if (before.disabled !== user.disabled) {
        changes.disabled = { from: before.disabled, to: user.disabled }
      }
      if (body.disabled === true && !before.disabled) {
        const count = await revokeUserTokens(ctx, id)
        changes.revoked_tokens = count
        // Every session of the user ends too (refused from the next request on).
        const sessions = await ctx.sessions.endAllForUser(id)
        request.log.info(
          { userId: id, by: principal.subject, revokedTokens: count, endedSessions: sessions },
          'user disabled',
        )
      }
      if (body.role !== undefined && body.role !== before.role) {
        const role = body.role
        const count = await revokeUserTokens(ctx, id, (t) =>
          t.scopes.some((s) => !ctx.policy.canGrant(role, s)),
        )
        changes.revoked_tokens = ((changes.revoked_tokens as number | undefined) ?? 0) + count
        request.log.info(
          { userId: id, by: principal.subject, role, revokedTokens: count },
          'user role changed',
        )
      }
      // A PATCH that changes nothing (the same role again) records nothing.
      if (Object.keys(changes).length > 0) {
        await ctx.audit({ action: 'user.changed', request, userId: id, details: changes })
      }
      return userView(user)
    },
  }
}
