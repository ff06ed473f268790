import type { APITokenVerifier, VerifiedAPIToken } from '@keygate/core'
import type { ScopePolicy } from '../lib/scope-policy.js'
import type { FoundByDigest, Store, TokenStore } from './types.js'

/** Options of {@link createAPITokenVerifier}. */
export type APITokenVerifierOptions = {
  /** The store (or its `tokens`). */
  store: Store | Pick<TokenStore, 'findByDigest' | 'findByDigestSync'>
  /**
   * Bounds a token's scopes by what its owner's role grants now (SPEC §5): a token left wider
   * than its owner's role — a demotion that raced its creation, `scopes.*.roles` narrowed in the
   * configuration, a role removed — acts with the intersection. Without it, the stored scopes.
   */
  policy?: Pick<ScopePolicy, 'canGrant'> | undefined
}

/**
 * Adapts the store to the core `apiTokens` strategy's {@link APITokenVerifier}: one indexed
 * query per lookup (token joined with its owner), the scopes bounded by the owner's role. It answers
 * synchronously where the store can (`findByDigestSync`: SQLite on a file), so that a cache miss
 * costs no promise. Store errors propagate (thrown or rejected), so the strategy answers them
 * with 503 `auth_unavailable`.
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
  const tokens: Pick<TokenStore, 'findByDigest' | 'findByDigestSync'> =
    'tokens' in options.store ? options.store.tokens : options.store
  const policy = options.policy

  function verified(found: FoundByDigest): VerifiedAPIToken | undefined {
    if (found === undefined) return undefined
    return {
      id: found.token.id,
      userId: found.token.userId,
      // Narrowed here, on every lookup: the owner's role is read with the token (one query),
      // and the answer is what the strategy's cache holds, so a cache hit costs nothing more.
      scopes:
        policy === undefined
          ? found.token.scopes
          : found.token.scopes.filter((scope) => policy.canGrant(found.user.role, scope)),
      expiresAt: found.token.expiresAt,
      revokedAt: found.token.revokedAt,
      userDisabled: found.user.disabled,
      graceUntil: found.graceUntil ?? null,
    }
  }

  if (tokens.findByDigestSync !== undefined) {
    const findSync = tokens.findByDigestSync.bind(tokens)
    return { findByDigest: (digest, now) => verified(findSync(digest, now)) }
  }
  return { findByDigest: async (digest, now) => verified(await tokens.findByDigest(digest, now)) }
}
