import { createHash } from 'node:crypto'
import { describeError, silentLogger, type Logger } from '@keygate/core'
import type { Redis } from 'ioredis'
import { createMemoryRateLimiter } from './memory-rate-limiter.js'
import type { RateLimitDecision, RateLimiter, RateLimitPolicy } from './rate-limiter.js'

/** Options of {@link createRedisRateLimiter}. */
export type RedisRateLimiterOptions = {
  /** A client from `createRedisClient` (no offline queue, bounded timeouts). The caller closes it. */
  client: Redis
  /** Prefix of every key; instances that share limits share it. Default `keygate:`. */
  keyPrefix?: string
  /**
   * Used while Redis cannot answer, so that login stays both available and limited (per instance).
   * Default: a {@link createMemoryRateLimiter}, closed with this limiter.
   */
  fallback?: RateLimiter
  /** Receives one warning when Redis stops answering and one note when it is back. */
  logger?: Logger
}

// One round trip, atomic on the server: the first hit of a window (or a key that somehow lost its
// expiry) sets the window's TTL; every hit returns the count and the milliseconds left.
const SCRIPT = `local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`
const SCRIPT_SHA = createHash('sha1').update(SCRIPT).digest('hex')

const KEY_PREFIX = /^[A-Za-z0-9_.:-]{1,64}$/

function isScriptMissing(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT')
}

/**
 * A fixed-window {@link RateLimiter} in Redis, shared by every instance that uses the same Redis
 * and `keyPrefix`. Each `consume` is one Lua script (`INCR`, and `PEXPIRE` on a window's first
 * hit), so N concurrent attempts across any number of instances allow exactly the limit. The
 * semantics are the in-memory limiter's: a window starts at its first attempt and lasts
 * `windowSeconds`; `resetSeconds` is what Redis says is left of it, rounded up.
 *
 * Keys are `<prefix>rl:<policy>:<sha256 of the key>`: Redis never holds an email address or IP
 * address in clear. The key expires with its window.
 *
 * When Redis does not answer (down, unreachable, over the command timeout), attempts are counted
 * by `fallback` — this instance's memory — instead of failing: refusing every login would hand
 * an attacker a denial of service, and allowing every attempt would remove brute-force
 * protection. One warning is logged when this starts, one note when Redis is back.
 *
 * @throws TypeError for a missing client or a bad `keyPrefix`.
 * @example
 * ```ts
 * const redis = createRedisClient({ url: 'redis://127.0.0.1:6379' })
 * await connectRedis(redis)
 * const limiter = createRedisRateLimiter({ client: redis, keyPrefix: 'keygate:' })
 * await limiter.consume('203.0.113.7', { name: 'ip', limit: 5, windowSeconds: 900 })
 * ```
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const client = options?.client
  if (client === null || typeof client !== 'object' || typeof client.evalsha !== 'function') {
    throw new TypeError('createRedisRateLimiter(): client must be an ioredis client')
  }
  const keyPrefix = options.keyPrefix ?? 'keygate:'
  if (typeof keyPrefix !== 'string' || !KEY_PREFIX.test(keyPrefix)) {
    throw new TypeError('createRedisRateLimiter(): keyPrefix must be 1-64 of [A-Za-z0-9_.:-]')
  }
  const fallback = options.fallback ?? createMemoryRateLimiter()
  const ownsFallback = options.fallback === undefined
  const logger = options.logger ?? silentLogger
  let degraded = false

  function redisKey(key: string, policy: RateLimitPolicy): string {
    const hash = createHash('sha256').update(key).digest('base64url').slice(0, 32)
    return `${keyPrefix}rl:${policy.name}:${hash}`
  }

  async function hit(key: string, windowMs: number): Promise<[number, number]> {
    let reply: unknown
    try {
      reply = await client.evalsha(SCRIPT_SHA, 1, key, windowMs)
    } catch (error) {
      // First use on this Redis (or after SCRIPT FLUSH / a failover): send the script itself.
      if (!isScriptMissing(error)) throw error
      reply = await client.eval(SCRIPT, 1, key, windowMs)
    }
    if (
      !Array.isArray(reply) ||
      typeof reply[0] !== 'number' ||
      typeof reply[1] !== 'number' ||
      reply[1] < 0
    ) {
      throw new TypeError('createRedisRateLimiter(): unexpected script reply')
    }
    return [reply[0], reply[1]]
  }

  async function consume(key: string, policy: RateLimitPolicy): Promise<RateLimitDecision> {
    let failure: unknown
    // Not ready (connecting, reconnecting): skip the doomed command and its error.
    if (client.status === 'ready') {
      try {
        const [count, ttlMs] = await hit(redisKey(key, policy), policy.windowSeconds * 1000)
        if (degraded) {
          degraded = false
          logger.info?.({}, 'keygate: Redis answers again; rate limits are shared again')
        }
        const resetSeconds = Math.max(1, Math.ceil(ttlMs / 1000))
        const allowed = count <= policy.limit
        return { allowed, policy, remaining: allowed ? policy.limit - count : 0, resetSeconds }
      } catch (error) {
        failure = error
      }
    }
    if (!degraded) {
      degraded = true
      logger.warn(
        { ...describeError(failure), redisStatus: client.status },
        'keygate: Redis unavailable; rate limits fall back to this instance (not shared)',
      )
    }
    return fallback.consume(key, policy)
  }

  return {
    consume,
    async close() {
      if (ownsFallback) await fallback.close()
    },
  }
}
