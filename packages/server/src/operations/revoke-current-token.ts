import { revokeToken, type RevokedToken } from './revoke-token.js'
import type { OperationDeps } from './operation-deps.js'

/**
 * Revokes the API token the caller presented (`DELETE /v1/auth/tokens/current`): the same as
 * {@link revokeToken} for the caller's own token, recorded with `details.current`.
 *
 * @throws ServiceError `not_found` when the token is not the user's.
 * @example
 * ```ts
 * await revokeCurrentToken(deps, { tokenId: principal.tokenId, userId: principal.subject })
 * ```
 */
export function revokeCurrentToken(
  deps: Pick<OperationDeps, 'store' | 'now' | 'audit' | 'invalidateToken' | 'log'>,
  input: { tokenId: string; userId: string },
): Promise<RevokedToken> {
  return revokeToken(deps, { tokenId: input.tokenId, owner: input.userId, current: true })
}
