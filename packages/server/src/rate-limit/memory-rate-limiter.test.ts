import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryRateLimiter } from './memory-rate-limiter.js'

const policy = { name: 'ip', limit: 10, windowSeconds: 60 }

afterEach(() => {
  vi.useRealTimers()
})

describe('createMemoryRateLimiter()', () => {
  it('is atomic: 1000 concurrent attempts on one key allow exactly the limit', async () => {
    const limiter = createMemoryRateLimiter()
    const decisions = await Promise.all(
      Array.from({ length: 1000 }, () => limiter.consume('k', policy)),
    )
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10)
    expect(decisions.map((d) => d.remaining).slice(0, 11)).toEqual([
      9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0,
    ])
    await limiter.close()
  })

  it('counts keys and policies separately', async () => {
    const limiter = createMemoryRateLimiter()
    const one = { ...policy, limit: 1 }
    expect((await limiter.consume('a', one)).allowed).toBe(true)
    expect((await limiter.consume('a', one)).allowed).toBe(false)
    expect((await limiter.consume('b', one)).allowed).toBe(true)
    expect((await limiter.consume('a', { ...one, name: 'email' })).allowed).toBe(true)
    await limiter.close()
  })

  it('fixed windows: resets after windowSeconds, reporting the seconds left', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 })
    const limiter = createMemoryRateLimiter()
    const one = { ...policy, limit: 1 }
    expect(await limiter.consume('a', one)).toMatchObject({
      allowed: true,
      remaining: 0,
      resetSeconds: 60,
    })
    vi.setSystemTime(1_000_000 + 59_001)
    expect(await limiter.consume('a', one)).toMatchObject({
      allowed: false,
      remaining: 0,
      resetSeconds: 1,
    })
    vi.setSystemTime(1_000_000 + 60_000)
    expect(await limiter.consume('a', one)).toMatchObject({ allowed: true, resetSeconds: 60 })
    await limiter.close()
  })

  it('bounds its memory: beyond maxKeys the oldest windows go first', async () => {
    let now = 0
    const limiter = createMemoryRateLimiter({ maxKeys: 3, now: () => now })
    const one = { ...policy, limit: 1 }
    for (const key of ['a', 'b', 'c']) await limiter.consume(key, one)
    now = 1
    await limiter.consume('d', one) // evicts 'a', the oldest
    expect((await limiter.consume('a', one)).allowed).toBe(true) // evicts 'b'
    expect((await limiter.consume('c', one)).allowed).toBe(false)
    await limiter.close()
  })

  it('validates its options', () => {
    expect(() => createMemoryRateLimiter({ maxKeys: 0 })).toThrow(
      'createMemoryRateLimiter(): maxKeys must be a positive integer',
    )
  })
})
