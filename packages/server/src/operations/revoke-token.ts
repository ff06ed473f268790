import type { APIToken } from '../store/types.js'
import { findToken } from './lib/find-token.js'
import type { OperationDeps } from './operation-deps.js'

/** Input of {@link revokeToken}. */
export type RevokeTokenInput = {
  tokenId: string
  /** When set, only this user's token may be revoked (another's is `not_found`). */
  owner?: string | undefined
  /** The caller revokes the token it presented (recorded as `details.current`). */
  current?: boolean | undefined
  /** Who asked, for the log line. */
  by?: string | undefined
}

/** The token after the call, and whether this call revoked it (false: it already was). */
export type RevokedToken = { token: APIToken; revoked: boolean }

/**
 * Revokes a token: the store refuses it at once and every verification cache drops it (also
 * when it was revoked already: a cache may still hold it). Revoking a revoked token changes
 * nothing else: one `token.revoked` event per revocation.
 *
 * @throws ServiceError `not_found` (reason `missing`; also another user's token when `owner` is set).
 * @example
 * ```ts
 * const { revoked } = await revokeToken(deps, { tokenId: 'tok_3kTq9zWb1xYd' })
 * ```
 */
export async function revokeToken(
  deps: Pick<OperationDeps, 'store' | 'now' | 'audit' | 'invalidateToken' | 'log'>,
  input: RevokeTokenInput,
): Promise<RevokedToken> {
  const token = await findToken(deps, input.tokenId, input.owner)
  const now = deps.now()
  const revoked = await deps.store.tokens.revoke(token.id, now)
  deps.invalidateToken(token.id)
  deps.log?.info(
    {
      tokenId: token.id,
      userId: token.userId,
      ...(input.by === undefined ? {} : { by: input.by }),
    },
    'token revoked',
  )
  if (revoked) {
    await deps.audit({
      action: 'token.revoked',
      userId: token.userId,
      tokenId: token.id,
      ...(input.current === true ? { details: { current: true } } : {}),
    })
  }
  return { token: revoked ? { ...token, revokedAt: now } : token, revoked }
}
