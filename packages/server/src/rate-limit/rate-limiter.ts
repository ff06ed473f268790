/** One rate limit as the IETF draft names it: `limit` attempts per `windowSeconds`. */
export type RateLimitPolicy = {
  /** Policy identifier shown in `RateLimit-Policy`/`RateLimit` (e.g. `ip`, `email`). */
  readonly name: string
  readonly limit: number
  readonly windowSeconds: number
}

/** The outcome of one {@link RateLimiter.consume}. */
export type RateLimitDecision = {
  readonly allowed: boolean
  readonly policy: RateLimitPolicy
  /** Attempts left in the current window after this one (0 when refused). */
  readonly remaining: number
  /** Seconds until the window resets (≥ 1). */
  readonly resetSeconds: number
}

/**
 * Counts attempts per key in fixed windows. `consume` must be atomic: N concurrent calls for one
 * key with `limit` L allow exactly min(N, L) of them. The in-memory implementation is atomic
 * because it never awaits between reading and writing a counter; a shared (Redis) implementation
 * must use one atomic server-side operation (`INCR` + `PEXPIRE` in a script) for the same reason.
 *
 * @example
 * ```ts
 * const decision = await limiter.consume(`ip:${ip}`, { name: 'ip', limit: 5, windowSeconds: 900 })
 * if (!decision.allowed) reply.code(429)
 * ```
 */
export type RateLimiter = {
  consume(key: string, policy: RateLimitPolicy): Promise<RateLimitDecision>
  /** Releases timers and connections. */
  close(): Promise<void>
}
