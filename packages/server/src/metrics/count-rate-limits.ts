import type { RateLimiter } from '../rate-limit/rate-limiter.js'

/**
 * Wraps a rate limiter (in memory or Redis) so that every refusal is reported with its policy
 * name (`ip`, `email`, …), for `keygate_rate_limit_rejections_total{limit}`.
 *
 * @example
 * ```ts
 * const limiter = countRateLimits(createMemoryRateLimiter(), metrics.rateLimited)
 * ```
 */
export function countRateLimits(
  limiter: RateLimiter,
  onRejected: (limit: string) => void,
): RateLimiter {
  return {
    async consume(key, policy) {
      const decision = await limiter.consume(key, policy)
      if (!decision.allowed) onRejected(policy.name)
      return decision
    },
    close: () => limiter.close(),
  }
}
