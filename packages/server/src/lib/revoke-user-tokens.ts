import type { ServerContext } from '../context.js'
import type { APIToken } from '../store/types.js'

/** Every token of a user, page by page. */
async function allTokens(ctx: ServerContext, userId: string): Promise<APIToken[]> {
  const out: APIToken[] = []
  let cursor: string | undefined
  do {
    const page = await ctx.store.tokens.listByUser(userId, { cursor, limit: 100 })
    out.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return out
}

/**
 * Revokes a user's live tokens — all of them, or those `which` selects — and drops them from the
 * verification cache of this instance and, through the revocation bus, of every other one.
 * Returns how many were revoked.
 */
export async function revokeUserTokens(
  ctx: ServerContext,
  userId: string,
  which?: (token: APIToken) => boolean,
): Promise<number> {
  const now = ctx.now()
  let revoked = 0
  if (which === undefined) {
    revoked = await ctx.store.tokens.revokeAllForUser(userId, now)
  } else {
    for (const token of await allTokens(ctx, userId)) {
      if (
        token.revokedAt === null &&
        which(token) &&
        (await ctx.store.tokens.revoke(token.id, now))
      )
        revoked++
    }
  }
  // One message for the user, not one per token: every cache is dropped whole (it has no index
  // by user), which also covers a token created while this ran.
  ctx.invalidateUser(userId)
  return revoked
}
