import { apiTokens, type APITokensStrategy, type Logger, type Strategy } from '@keygate/core'
import type { ServerConfig } from '../config.js'
import { createAPITokenVerifier } from '../store/create-api-token-verifier.js'
import type { ScopePolicy } from '../lib/scope-policy.js'
import type { Store } from '../store/types.js'

/**
 * The server's own `apiTokens` strategy over its store: the same prefix and pepper as the tokens
 * it issues, the configured verification cache (`ttlMs: 0` turns it off), and `onUse` feeding
 * the batched last-used recorder.
 */
export function createTokenStrategy(options: {
  config: ServerConfig
  store: Store
  /** Bounds every token's scopes by its owner's current role. */
  policy: Pick<ScopePolicy, 'canGrant'>
  onUse: (tokenId: string, at: Date) => void
  /** Verification-cache hits and misses, for the metrics. */
  onCacheEvent?: (event: 'hit' | 'miss') => void
  logger: Logger
}): APITokensStrategy {
  const { config } = options
  return apiTokens({
    store: createAPITokenVerifier({ store: options.store, policy: options.policy }),
    prefix: config.tokens.prefix,
    pepper: config.tokens.pepper,
    cache:
      config.cache.ttlMs === 0 || config.cache.maxEntries === 0
        ? false
        : { ttlMs: config.cache.ttlMs, max: config.cache.maxEntries },
    onUse: options.onUse,
    ...(options.onCacheEvent === undefined ? {} : { onCacheEvent: options.onCacheEvent }),
    logger: options.logger,
  })
}

/**
 * The token service's chain, in order: `apiTokens` claims only credentials with its prefix;
 * `sessions` only JWT-shaped bearers (and the session cookie when there is no credential);
 * `internalToken`, when external auth is on, only the internal token itself, passing any other
 * bearer on so that it gets the ordinary `401 invalid_token`. No credential is recognised by
 * two of them, so the order decides nothing but speed (API tokens are the common case).
 */
export function tokenStrategyChain(options: {
  apiTokens: Strategy
  sessions: Strategy
  internalToken?: Strategy | undefined
}): Strategy[] {
  return [
    options.apiTokens,
    options.sessions,
    ...(options.internalToken === undefined ? [] : [options.internalToken]),
  ]
}
