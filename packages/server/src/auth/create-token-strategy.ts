import { apiTokens, type APITokensStrategy, type Logger } from '@keygate/core'
import type { ServerConfig } from '../config.js'
import { createAPITokenVerifier } from '../store/create-api-token-verifier.js'
import type { Store } from '../store/types.js'

/**
 * The server's own `apiTokens` strategy over its store: the same prefix and pepper as the tokens
 * it issues, the configured verification cache (`ttlMs: 0` turns it off), and `onUse` feeding
 * the batched last-used recorder.
 */
export function createTokenStrategy(options: {
  config: ServerConfig
  store: Store
  onUse: (tokenId: string, at: Date) => void
  logger: Logger
}): APITokensStrategy {
  const { config } = options
  return apiTokens({
    store: createAPITokenVerifier({ store: options.store }),
    prefix: config.tokens.prefix,
    pepper: config.tokens.pepper,
    cache:
      config.cache.ttlMs === 0 || config.cache.maxEntries === 0
        ? false
        : { ttlMs: config.cache.ttlMs, max: config.cache.maxEntries },
    onUse: options.onUse,
    logger: options.logger,
  })
}
