import type { RateLimitDecision, RateLimiter, RateLimitPolicy } from './rate-limiter.js'

/** Options of {@link createMemoryRateLimiter}. */
export type MemoryRateLimiterOptions = {
  /**
   * Most keys tracked at once. At the cap, room is made from the oldest few windows: an expired
   * one, else the one with the fewest attempts that has not reached its limit. A window at its
   * limit is never dropped before it resets — dropping it would hand whoever it holds back a fresh
   * budget, so a flood of new keys cannot reset a victim's window — and when no room can be made
   * the new key is refused (fail closed). Default 100000.
   */
  maxKeys?: number
  /** Current time in ms; default `Date.now`. */
  now?: () => number
}

type Window = { count: number; limit: number; resetAt: number }

/** Windows looked at to make room for one new key: bounded work per insert, never a full sweep. */
const SCAN = 32

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

  /**
   * Frees one slot, looking at no more than {@link SCAN} of the oldest windows: an expired one
   * goes first, else the one with the fewest attempts below its limit. The exhausted windows
   * looked at move to the back, so the next call looks at others. False when none can go.
   */
  function makeRoom(at: number): boolean {
    let victim: string | undefined
    let fewest = Infinity
    const exhausted: [string, Window][] = []
    let scanned = 0
    for (const [key, w] of windows) {
      if (scanned++ === SCAN) break
      if (w.resetAt <= at) {
        windows.delete(key)
        return true
      }
      if (w.count >= w.limit) exhausted.push([key, w])
      else if (w.count < fewest) {
        victim = key
        fewest = w.count
      }
    }
    for (const [key, w] of exhausted) {
      windows.delete(key)
      windows.set(key, w)
    }
    if (victim === undefined) return false
    windows.delete(victim)
    return true
  }

  function consumeNow(key: string, policy: RateLimitPolicy): RateLimitDecision {
    const at = now()
    const id = `${policy.name}\u0000${key}`
    let w = windows.get(id)
    if (w === undefined || w.resetAt <= at) {
      if (w !== undefined) windows.delete(id)
      if (windows.size >= maxKeys && !makeRoom(at)) {
        // Every window looked at holds someone back: refuse rather than forget one of them.
        return { allowed: false, policy, remaining: 0, resetSeconds: policy.windowSeconds }
      }
      w = { count: 0, limit: policy.limit, resetAt: at + policy.windowSeconds * 1000 }
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
