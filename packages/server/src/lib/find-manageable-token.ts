import type { Principal } from '@keygate/core'
import { holds, insufficientScope } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { notFound } from './errors.js'
import type { APIToken } from '../store/types.js'

/**
 * The token `id` if the principal may change it: its owner holding `tokens:write`, or anyone
 * holding `tokens:manage`. The scope is checked before the lookup (a `403` reveals nothing about
 * ids); then a missing token and another user's token are the same `404`.
 *
 * @throws InsufficientScopeError (403) without either scope; ServiceError `not_found` (404).
 */
export async function findManageableToken(
  ctx: ServerContext,
  principal: Principal,
  id: string,
): Promise<APIToken> {
  const manage = holds(principal, 'tokens:manage')
  if (!manage && !holds(principal, 'tokens:write')) throw insufficientScope('tokens:write')
  const token = await ctx.store.tokens.findById(id)
  if (token === undefined || (!manage && token.userId !== principal.subject)) throw notFound()
  return token
}
