import type { APITokenVerifier } from '@keygate/core'
import type { Store, TokenStore } from './types.js'

/** Options of {@link createAPITokenVerifier}. */
export type APITokenVerifierOptions = {
  /** The store (or its `tokens`). */
  store: Store | Pick<TokenStore, 'findByDigest'>
}

/**
 * Adapts the store to the core `apiTokens` strategy's {@link APITokenVerifier}: one indexed
 * query per lookup (token joined with its owner). Store errors propagate, so the strategy answers
 * them with 503 `auth_unavailable`.
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
  const tokens: Pick<TokenStore, 'findByDigest'> =
    'tokens' in options.store ? options.store.tokens : options.store
  return {
    async findByDigest(digest, now) {
      const found = await tokens.findByDigest(digest, now)
      if (found === undefined) return undefined
      return {
        id: found.token.id,
        userId: found.token.userId,
        scopes: found.token.scopes,
        expiresAt: found.token.expiresAt,
        revokedAt: found.token.revokedAt,
        userDisabled: found.user.disabled,
        graceUntil: found.graceUntil ?? null,
      }
    },
  }
}
