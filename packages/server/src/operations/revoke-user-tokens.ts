import type { APIToken } from '../store/types.js'
import type { OperationDeps } from './operation-deps.js'

/** Every token of a user, page by page. */
async function allTokens(deps: Pick<OperationDeps, 'store'>, userId: string): Promise<APIToken[]> {
  const out: APIToken[] = []
  let cursor: string | undefined
  do {
    const page = await deps.store.tokens.listByUser(userId, { cursor, limit: 100 })
    out.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return out
}

/** Input of {@link revokeUserTokens}. */
export type RevokeUserTokensInput = {
  userId: string
  /** Only the live tokens this selects; default all of them. */
  which?: ((token: APIToken) => boolean) | undefined
}

/**
 * Revokes a user's live tokens — all of them, or those `which` selects — and drops them from
 * every verification cache. Resolves to how many were revoked. The callers audit the change they
 * are part of (`user.changed`).
 *
 * @example
 * ```ts
 * const count = await revokeUserTokens(deps, { userId, which: (t) => t.scopes.includes('users:manage') })
 * ```
 */
export async function revokeUserTokens(
  deps: Pick<OperationDeps, 'store' | 'now' | 'invalidateUser'>,
  input: RevokeUserTokensInput,
): Promise<number> {
  const { userId, which } = input
  const now = deps.now()
  let revoked = 0
  if (which === undefined) {
    revoked = await deps.store.tokens.revokeAllForUser(userId, now)
  } else {
    for (const token of await allTokens(deps, userId)) {
      if (
        token.revokedAt === null &&
        which(token) &&
        (await deps.store.tokens.revoke(token.id, now))
      )
        revoked++
    }
  }
  // One message for the user, not one per token: every cache is dropped whole (it has no index
  // by user), which also covers a token created while this ran.
  deps.invalidateUser(userId)
  return revoked
}
