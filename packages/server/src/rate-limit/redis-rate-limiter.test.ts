import type { Redis } from 'ioredis'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  closedPort,
  deleteKeys,
  keysUnder,
  REDIS_URL,
  redisAvailable,
  testClient,
  testKeyPrefix,
} from '../../test/redis.js'
import { connectRedis, createRedisClient } from './redis-client.js'
import { createRedisRateLimiter } from './redis-rate-limiter.js'
import type { RateLimiter } from './rate-limiter.js'

const available = await redisAvailable()
const policy = { name: 'ip', limit: 10, windowSeconds: 60 }

type Line = { level: 'warn' | 'info'; object: Record<string, unknown>; message: string }
function captureLogger() {
  const lines: Line[] = []
  return {
    lines,
    logger: {
      warn: (object: Record<string, unknown>, message: string) =>
        lines.push({ level: 'warn', object, message }),
      error: (object: Record<string, unknown>, message: string) =>
        lines.push({ level: 'warn', object, message }),
      info: (object: Record<string, unknown>, message: string) =>
        lines.push({ level: 'info', object, message }),
    },
  }
}

/** Resolves on the client's next `event`. */
function next(client: Redis, event: 'ready' | 'close'): Promise<void> {
  return new Promise((resolve) => client.once(event, () => resolve()))
}

describe.runIf(available)('createRedisRateLimiter() on a real Redis', () => {
  const prefix = testKeyPrefix()
  const admin = testClient()
  const clients: Redis[] = []
  const limiters: RateLimiter[] = []

  async function client(): Promise<Redis> {
    const c = createRedisClient({ url: REDIS_URL })
    clients.push(c)
    expect(await connectRedis(c)).toBe(true)
    return c
  }
  async function limiter(options: Partial<Parameters<typeof createRedisRateLimiter>[0]> = {}) {
    const l = createRedisRateLimiter({ client: await client(), keyPrefix: prefix, ...options })
    limiters.push(l)
    return l
  }

  afterEach(async () => {
    await deleteKeys(admin, prefix)
  })
  afterAll(async () => {
    for (const l of limiters) await l.close()
    for (const c of clients) c.disconnect()
    await deleteKeys(admin, prefix)
    admin.disconnect()
  })

  it('is atomic: 100 concurrent attempts on one key with a limit of 10 allow exactly 10', async () => {
    const l = await limiter()
    const decisions = await Promise.all(Array.from({ length: 100 }, () => l.consume('k', policy)))
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10)
    expect(
      decisions
        .filter((d) => d.allowed)
        .map((d) => d.remaining)
        .sort((a, b) => b - a),
    ).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
    for (const d of decisions.filter((d) => !d.allowed)) {
      expect(d).toEqual({ allowed: false, policy, remaining: 0, resetSeconds: 60 })
    }
  })

  it('two instances (two connections) share one count', async () => {
    const [a, b] = [await limiter(), await limiter()]
    const decisions = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).consume('shared', policy)),
    )
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10)
    expect((await a.consume('shared', policy)).allowed).toBe(false)
    expect((await b.consume('shared', policy)).allowed).toBe(false)
  })

  it('counts keys and policies separately', async () => {
    const l = await limiter()
    const one = { ...policy, limit: 1 }
    expect((await l.consume('a', one)).allowed).toBe(true)
    expect((await l.consume('a', one)).allowed).toBe(false)
    expect((await l.consume('b', one)).allowed).toBe(true)
    expect((await l.consume('a', { ...one, name: 'email' })).allowed).toBe(true)
  })

  it('keeps one key per window under the prefix, hashed, expiring with the window', async () => {
    const l = await limiter()
    await l.consume('ada@example.com', { ...policy, name: 'email' })
    const keys = await keysUnder(admin, prefix)
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatch(new RegExp(`^${prefix}rl:email:[A-Za-z0-9_-]{32}$`))
    expect(keys[0]).not.toContain('ada')
    const ttl = await admin.pttl(keys[0]!)
    expect(ttl).toBeGreaterThan(59_000)
    expect(ttl).toBeLessThanOrEqual(60_000)
  })

  it('fixed windows: resetSeconds is what Redis has left; an expired window starts afresh', async () => {
    const l = await limiter()
    const one = { ...policy, limit: 1 }
    expect(await l.consume('w', one)).toEqual({
      allowed: true,
      policy: one,
      remaining: 0,
      resetSeconds: 60,
    })
    const [key] = await keysUnder(admin, prefix)
    // Move the window's end instead of waiting for it: 1.5 s left reads as 2 (rounded up).
    await admin.pexpire(key!, 1500)
    expect(await l.consume('w', one)).toEqual({
      allowed: false,
      policy: one,
      remaining: 0,
      resetSeconds: 2,
    })
    await admin.del(key!) // what Redis does when the window's TTL runs out
    expect(await l.consume('w', one)).toEqual({
      allowed: true,
      policy: one,
      remaining: 0,
      resetSeconds: 60,
    })
  })

  it('repairs a counter that lost its expiry instead of limiting forever', async () => {
    const l = await limiter()
    await l.consume('p', policy)
    const [key] = await keysUnder(admin, prefix)
    await admin.persist(key!)
    expect((await l.consume('p', policy)).resetSeconds).toBe(60)
    expect(await admin.pttl(key!)).toBeGreaterThan(0)
  })

  it('reloads its script when Redis no longer has it (SCRIPT FLUSH, a failover)', async () => {
    const l = await limiter()
    await l.consume('s', policy)
    await admin.script('FLUSH')
    expect(await l.consume('s', policy)).toMatchObject({ allowed: true, remaining: 8 })
  })

  it('falls back to this instance while Redis is away, then shares again, logging each once', async () => {
    const { lines, logger } = captureLogger()
    const c = await client()
    const l = createRedisRateLimiter({ client: c, keyPrefix: prefix, logger })
    limiters.push(l)
    const two = { ...policy, limit: 2 }
    expect((await l.consume('f', two)).allowed).toBe(true)

    // Redis drops the connection (a restart, a failover); ioredis reconnects in the background.
    const id = await c.client('ID')
    const closed = next(c, 'close')
    await admin.client('KILL', 'ID', String(id))
    await closed
    const ready = next(c, 'ready')
    const during = [await l.consume('f', two), await l.consume('f', two), await l.consume('f', two)]
    // The fallback counts on its own (it never saw the first attempt): 2 allowed, then refused.
    expect(during.map((d) => d.allowed)).toEqual([true, true, false])
    await ready
    // Back on Redis, whose window still holds the attempt made before the outage.
    expect(await l.consume('f', two)).toMatchObject({ allowed: true, remaining: 0 })
    expect(lines.map((line) => [line.level, line.message])).toEqual([
      ['warn', 'keygate: Redis unavailable; rate limits fall back to this instance (not shared)'],
      ['info', 'keygate: Redis answers again; rate limits are shared again'],
    ])
  })
})

describe('createRedisRateLimiter() with Redis unreachable', () => {
  it('never hangs or throws: counts in memory, atomically, and warns once', async () => {
    const { lines, logger } = captureLogger()
    const client = createRedisClient({ url: `redis://127.0.0.1:${await closedPort()}` })
    try {
      expect(await connectRedis(client)).toBe(false)
      const l = createRedisRateLimiter({ client, keyPrefix: 'kgtest:down:', logger })
      const decisions = await Promise.all(Array.from({ length: 50 }, () => l.consume('k', policy)))
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10)
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatchObject({
        level: 'warn',
        message: 'keygate: Redis unavailable; rate limits fall back to this instance (not shared)',
      })
      // No URL, host or password in the line.
      expect(JSON.stringify(lines[0])).not.toContain('127.0.0.1')
      await l.close()
    } finally {
      client.disconnect()
    }
  })

  it('validates its options', () => {
    expect(() => createRedisRateLimiter({ client: {} as Redis })).toThrow(
      'createRedisRateLimiter(): client must be an ioredis client',
    )
    const client = createRedisClient({ url: REDIS_URL })
    expect(() => createRedisRateLimiter({ client, keyPrefix: 'has space' })).toThrow(
      'createRedisRateLimiter(): keyPrefix must be 1-64 of [A-Za-z0-9_.:-]',
    )
    client.disconnect()
    expect(() => createRedisClient({ url: 'http://127.0.0.1:6379' })).toThrow(
      'createRedisClient(): url must start with redis:// or rediss://',
    )
  })
})
