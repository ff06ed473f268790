/**
 * Rate limits shared across instances through Redis (SPEC §6), black-box over HTTP: two token
 * services on one database and one Redis key prefix. And what happens when Redis is away.
 */
import { randomInt } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { passwords } from '../src/lib/passwords.js'
import { forEachBackend, startHarness, type Harness } from './harness.js'
import { startPeer, type Peer } from './peer.js'
import {
  closedPort,
  deleteKeys,
  REDIS_URL,
  redisAvailable,
  testClient,
  testKeyPrefix,
} from './redis.js'

const available = await redisAvailable()

function attempt(target: Harness | Peer, email: string) {
  return target.request('POST', '/v1/auth/tokens', {
    body: { email, password: 'wrong password', name: `n${randomInt(1e9)}` },
  })
}

function tally(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {}
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1
  return out
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe.runIf(available)('rate limits shared through Redis', () => {
  forEachBackend('two instances, one Redis prefix', (backend) => {
    const prefix = testKeyPrefix()
    const admin = testClient()
    const config = {
      redis: { url: REDIS_URL, keyPrefix: prefix },
      rateLimits: {
        createToken: {
          perIp: { limit: 5, windowSeconds: 900 },
          perEmail: { limit: 10_000, windowSeconds: 900 },
        },
      },
    }
    let a: Harness
    let b: Peer
    beforeAll(async () => {
      a = await startHarness(backend, config)
      b = await startPeer(a, config)
    })
    afterAll(async () => {
      await b?.close()
      await a?.close()
      await deleteKeys(admin, prefix)
      admin.disconnect()
    })

    it('10 attempts from one IP spread over both with a limit of 5: exactly 5 reach the password check', async () => {
      await a.user('target@example.com')
      const verify = vi.spyOn(passwords, 'verify')
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => attempt(i % 2 === 0 ? a : b, 'target@example.com')),
      )
      expect(tally(responses.map((r) => r.status))).toEqual({ 401: 5, 429: 5 })
      expect(verify).toHaveBeenCalledTimes(5)
      // Both instances report the one shared window.
      const remaining = responses
        .filter((r) => r.status === 401)
        .map((r) => /"ip";r=(\d+)/.exec(r.headers.get('ratelimit') ?? '')?.[1])
        .sort()
      expect(remaining).toEqual(['0', '1', '2', '3', '4'])
      for (const target of [a, b]) {
        const refused = await attempt(target, 'target@example.com')
        expect(refused.status).toBe(429)
        expect(refused.headers.get('ratelimit-policy')).toBe('"ip";q=5;w=900')
      }
    })

    it('/ready checks Redis too: 200 while it answers', async () => {
      for (const target of [a, b]) {
        const response = await target.request('GET', '/ready')
        expect(response.status).toBe(200)
        expect(await response.json()).toEqual({ status: 'ok' })
      }
    })
  })
})

forEachBackend('Redis configured but unreachable', (backend) => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness(backend, {
      redis: { url: `redis://127.0.0.1:${await closedPort()}`, keyPrefix: 'kgtest:down:' },
      rateLimits: {
        createToken: {
          perIp: { limit: 3, windowSeconds: 900 },
          perEmail: { limit: 10_000, windowSeconds: 900 },
        },
      },
    })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('starts anyway, saying so, and /ready answers 503 naming Redis', async () => {
    expect(h.logs.join('\n')).toContain(
      'keygate: Redis unreachable at start; rate limits are per instance until it is',
    )
    const response = await h.request('GET', '/ready')
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
    expect(await response.json()).toMatchObject({
      code: 'auth_unavailable',
      detail: 'Redis is not reachable',
    })
  })

  it('login stays available and limited: this instance counts on its own, and warns once', async () => {
    await h.user('down@example.com')
    const verify = vi.spyOn(passwords, 'verify')
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => attempt(h, 'down@example.com')),
    )
    expect(tally(responses.map((r) => r.status))).toEqual({ 401: 3, 429: 7 })
    expect(verify).toHaveBeenCalledTimes(3)
    const warnings = h.logs.filter((line) =>
      line.includes('rate limits fall back to this instance (not shared)'),
    )
    expect(warnings).toHaveLength(1)
    // The line names neither the Redis URL nor the client's address or email.
    expect(warnings[0]).not.toMatch(/127\.0\.0\.1|down@example\.com/)
  })
})
