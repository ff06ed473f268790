import type { RateLimitDecision, RateLimiter, RateLimitPolicy } from './rate-limiter.js'

/** Options of {@link createMemoryRateLimiter}. */
export type MemoryRateLimiterOptions = {
  /**
   * Most keys tracked at once. Beyond it, expired windows are swept, then the oldest windows are
   * dropped (an attacker would need that many distinct IPs to reset someone's count). Default 100000.
   */
  maxKeys?: number
  /** Current time in ms; default `Date.now`. */
  now?: () => number
}

type Window = { count: number; resetAt: number }

/**
 * A fixed-window {@link RateLimiter} held in this process's memory: one instance only. Atomic
 * under concurrency because `consume` reads and writes its counter without awaiting in between.
 * Shared limits across instances need the Redis implementation (a later release).
 *
 * @throws TypeError for a bad option.
 * @example
 * ```ts
 * const limiter = createMemoryRateLimiter()
 * await limiter.consume('ip:203.0.113.7', { name: 'ip', limit: 5, windowSeconds: 900 })
 * ```
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const maxKeys = options.maxKeys ?? 100_000
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new TypeError('createMemoryRateLimiter(): maxKeys must be a positive integer')
  }
  const now = options.now ?? (() => Date.now())
  const windows = new Map<string, Window>()

  function sweep(at: number): void {
    for (const [key, w] of windows) if (w.resetAt <= at) windows.delete(key)
  }
  const timer = setInterval(() => sweep(now()), 60_000)
  timer.unref()

  function consumeNow(key: string, policy: RateLimitPolicy): RateLimitDecision {
    const at = now()
    const id = `${policy.name}\u0000${key}`
    let w = windows.get(id)
    if (w === undefined || w.resetAt <= at) {
      if (w !== undefined) windows.delete(id)
      if (windows.size >= maxKeys) {
        sweep(at)
        // Insertion order is window-start order: drop the oldest windows first.
        for (const oldest of windows.keys()) {
          if (windows.size < maxKeys) break
          windows.delete(oldest)
        }
      }
      w = { count: 0, resetAt: at + policy.windowSeconds * 1000 }
      windows.set(id, w)
    }
    const resetSeconds = Math.max(1, Math.ceil((w.resetAt - at) / 1000))
    if (w.count >= policy.limit) return { allowed: false, policy, remaining: 0, resetSeconds }
    w.count++
    return { allowed: true, policy, remaining: policy.limit - w.count, resetSeconds }
  }

  return {
    // Synchronous body: no await between the read and the write of a counter.
    consume: (key, policy) => Promise.resolve(consumeNow(key, policy)),
    close() {
      clearInterval(timer)
      windows.clear()
      return Promise.resolve()
    },
  }
}
