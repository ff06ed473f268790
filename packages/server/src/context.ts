import type { ServerConfig } from './config.js'
import type { ScopePolicy } from './lib/scope-policy.js'
import type { RateLimiter } from './rate-limit/rate-limiter.js'
import type { Store } from './store/types.js'

/** What every route is built with. */
export type ServerContext = {
  readonly config: ServerConfig
  readonly store: Store
  readonly policy: ScopePolicy
  readonly rateLimiter: RateLimiter
  /**
   * Drops a token from this instance's verification cache: called on revoke and rotate, so the
   * change takes effect on this instance at once.
   */
  readonly invalidate: (tokenId: string) => void
  readonly now: () => Date
}
