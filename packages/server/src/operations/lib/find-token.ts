import { notFound } from '../../lib/errors.js'
import type { APIToken } from '../../store/types.js'
import type { OperationDeps } from '../operation-deps.js'

/**
 * The token `id`, if `owner` (when given) owns it. A missing token and another user's token are
 * the same `not_found` (reason `missing`), so ids cannot be probed.
 */
export async function findToken(
  deps: Pick<OperationDeps, 'store'>,
  id: string,
  owner: string | undefined,
): Promise<APIToken> {
  const token = await deps.store.tokens.findById(id)
  if (token === undefined || (owner !== undefined && token.userId !== owner)) {
    throw notFound('missing')
  }
  return token
}
