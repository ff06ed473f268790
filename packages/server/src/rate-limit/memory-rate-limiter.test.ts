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

  it('bounds its memory: at maxKeys an expired window goes first, then the one with the fewest attempts', async () => {
    let now = 0
    const limiter = createMemoryRateLimiter({ maxKeys: 3, now: () => now })
    const three = { ...policy, limit: 3 }
    await limiter.consume('a', three)
    await limiter.consume('a', three) // a: 2 attempts
    await limiter.consume('b', three) // b: 1 attempt
    await limiter.consume('c', { ...three, windowSeconds: 1 }) // c: expires first
    now = 1000
    await limiter.consume('d', three) // c is expired: it goes
    expect((await limiter.consume('a', three)).remaining).toBe(0) // a kept its count
    await limiter.consume('e', three) // b (1 attempt) goes, not d (1, younger) — the oldest few are looked at
    expect((await limiter.consume('b', three)).remaining).toBe(2)
    await limiter.close()
  })

  it('a flood of new keys never resets a window at its limit: at the cap a new key is refused instead', async () => {
    const limiter = createMemoryRateLimiter({ maxKeys: 100 })
    const one = { ...policy, limit: 1 }
    expect((await limiter.consume('victim', one)).allowed).toBe(true)
    expect((await limiter.consume('victim', one)).allowed).toBe(false)
    // 10 000 new keys, each spending its one attempt: every window is at its limit.
    const flood = []
    for (let i = 0; i < 10_000; i++) flood.push((await limiter.consume(`ip${i}`, one)).allowed)
    expect(flood.filter(Boolean)).toHaveLength(99) // the cap, then refused (fail closed)
    expect((await limiter.consume('victim', one)).allowed).toBe(false)
    // Windows below their limit give way: a half-spent flood does not lock new keys out.
    const two = { ...policy, name: 'email', limit: 2 }
    const other = createMemoryRateLimiter({ maxKeys: 100 })
    await other.consume('victim', one)
    for (let i = 0; i < 1000; i++) expect((await other.consume(`ip${i}`, two)).allowed).toBe(true)
    expect((await other.consume('victim', one)).allowed).toBe(false)
    await limiter.close()
    await other.close()
  })

  it('validates its options', () => {
    expect(() => createMemoryRateLimiter({ maxKeys: 0 })).toThrow(
      'createMemoryRateLimiter(): maxKeys must be a positive integer',
    )
  })
})
