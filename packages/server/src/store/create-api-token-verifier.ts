import type { APITokenVerifier, VerifiedAPIToken } from '@keygate/core'
import type { ScopePolicy } from '../lib/scope-policy.js'
import type { Store, TokenStore, TokenVerification } from './types.js'

/** Options of {@link createAPITokenVerifier}. */
export type APITokenVerifierOptions = {
  /** The store (or its `tokens`). */
  store: Store | Pick<TokenStore, 'verifyByDigest' | 'verifyByDigestSync'>
  /**
   * Bounds a token's scopes by what its owner's role grants now (SPEC §5): a token left wider
   * than its owner's role — a demotion that raced its creation, `scopes.*.roles` narrowed in the
   * configuration, a role removed — acts with the intersection. Without it, the stored scopes.
   */
  policy?: Pick<ScopePolicy, 'canGrant'> | undefined
}

/**
 * Adapts the store to the core `apiTokens` strategy's {@link APITokenVerifier}: one indexed
 * query per lookup (`verifyByDigest`: the token joined with its owner, only the columns a
 * verification needs), the scopes bounded by the owner's role. It answers synchronously where
 * the store can (`verifyByDigestSync`: SQLite on a file), so that a cache miss costs no promise.
 * Store errors propagate (thrown or rejected), so the strategy answers them with 503
 * `auth_unavailable`.
 *
 * @example
 * ```ts
 * const strategy = apiTokens({ store: createAPITokenVerifier({ store }), pepper })
 * ```
 */
export function createAPITokenVerifier(options: APITokenVerifierOptions): APITokenVerifier {
  if (options === null || typeof options !== 'object' || options.store == null) {
    throw new TypeError('createAPITokenVerifier(): store is required')
  }
  const tokens: Pick<TokenStore, 'verifyByDigest' | 'verifyByDigestSync'> =
    'tokens' in options.store ? options.store.tokens : options.store
  const policy = options.policy

  function verified(found: TokenVerification | undefined): VerifiedAPIToken | undefined {
    if (found === undefined) return undefined
    return {
      id: found.id,
      userId: found.userId,
      // Narrowed here, on every lookup: the owner's role is read with the token (one query),
      // and the answer is what the strategy's cache holds, so a cache hit costs nothing more.
      scopes:
        policy === undefined
          ? found.scopes
          : found.scopes.filter((scope) => policy.canGrant(found.ownerRole, scope)),
      expiresAt: found.expiresAt,
      revokedAt: found.revokedAt,
      userDisabled: found.ownerDisabled,
      graceUntil: found.graceUntil ?? null,
    }
  }

  if (tokens.verifyByDigestSync !== undefined) {
    const findSync = tokens.verifyByDigestSync.bind(tokens)
    return { findByDigest: (digest, now) => verified(findSync(digest, now)) }
  }
  return {
    findByDigest: async (digest, now) => verified(await tokens.verifyByDigest(digest, now)),
  }
}
