export { createMemoryRateLimiter, type MemoryRateLimiterOptions } from './memory-rate-limiter.js'
export { rateLimitHeaders } from './rate-limit-headers.js'
export { clientKey } from './client-key.js'
export type { RateLimitDecision, RateLimiter, RateLimitPolicy } from './rate-limiter.js'
