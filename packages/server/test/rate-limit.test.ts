import { randomInt } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { passwords } from '../src/lib/passwords.js'
import { forEachBackend, PASSWORD, useHarness, type Harness } from './harness.js'

function randomIp(): string {
  return `${randomInt(1, 224)}.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`
}

function attempt(
  h: Harness,
  email: string,
  headers: Record<string, string> = {},
  password = 'wrong password',
) {
  return h.request('POST', '/v1/auth/tokens', {
    body: { email, password, name: `n${randomInt(1e9)}` },
    headers,
  })
}

function tally(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {}
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1
  return out
}

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
})

forEachBackend('rate limits on POST /v1/auth/tokens', (backend) => {
  describe('per client IP, socket address (trustProxy: false)', () => {
    const h = useHarness(backend, {
      rateLimits: {
        createToken: {
          perIp: { limit: 10, windowSeconds: 900 },
          perEmail: { limit: 10_000, windowSeconds: 900 },
        },
      },
    })

    it('100 parallel attempts from one IP with a limit of 10: exactly 10 reach the password check', async () => {
      await h().user('target@example.com')
      const verify = vi.spyOn(passwords, 'verify')
      const responses = await Promise.all(
        Array.from({ length: 100 }, () => attempt(h(), 'target@example.com')),
      )
      expect(tally(responses.map((r) => r.status))).toEqual({ 401: 10, 429: 90 })
      expect(verify).toHaveBeenCalledTimes(10)
    })

    it('a random X-Forwarded-For from an untrusted peer does not escape the limit', async () => {
      // Same IP as the previous test: its window is spent; every spoofed header is ignored.
      const verify = vi.spyOn(passwords, 'verify')
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          attempt(h(), 'target@example.com', {
            'x-forwarded-for': randomIp(),
            'x-real-ip': randomIp(),
            forwarded: `for=${randomIp()}`,
          }),
        ),
      )
      expect(tally(responses.map((r) => r.status))).toEqual({ 429: 20 })
      expect(verify).not.toHaveBeenCalled()
    })

    it('429 is problem+json rate_limited with Retry-After, RateLimit-Policy and RateLimit', async () => {
      const response = await attempt(h(), 'target@example.com', {}, PASSWORD)
      expect(response.status).toBe(429)
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(response.headers.get('www-authenticate')).toBeNull()
      const retryAfter = Number(response.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThan(850)
      expect(retryAfter).toBeLessThanOrEqual(900)
      // draft-ietf-httpapi-ratelimit-headers-10: quota and window; remaining and reset.
      expect(response.headers.get('ratelimit-policy')).toBe('"ip";q=10;w=900')
      expect(response.headers.get('ratelimit')).toBe(`"ip";r=0;t=${retryAfter}`)
      const body = await response.json()
      expect(body).toMatchObject({
        type: 'https://keygate.dev/errors#rate_limited',
        status: 429,
        code: 'rate_limited',
        detail: `Too many attempts; retry after ${retryAfter} seconds`,
      })
      expect(body.request_id).toMatch(/^req_[0-9a-f]{16}$/)
    })

    it('the window resets: the next window allows attempts again', async () => {
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
      expect((await attempt(h(), 'target@example.com')).status).toBe(429)
      vi.setSystemTime(Date.now() + 901_000)
      const response = await attempt(h(), 'target@example.com')
      expect(response.status).toBe(401)
      expect(response.headers.get('ratelimit')).toBe('"ip";r=9;t=900, "email";r=9999;t=900')
    })
  })

  describe('per email, and X-Forwarded-For from a trusted proxy', () => {
    const h = useHarness(backend, {
      trustProxy: ['127.0.0.1'],
      rateLimits: {
        createToken: {
          perIp: { limit: 2, windowSeconds: 900 },
          perEmail: { limit: 3, windowSeconds: 600 },
        },
      },
    })

    it('believes the trusted proxy: distinct clients behind it have their own IP limits', async () => {
      await h().user('many@example.com')
      const responses = await Promise.all(
        Array.from({ length: 3 }, (_, i) =>
          attempt(h(), `client${i}@example.com`, { 'x-forwarded-for': `198.51.100.${10 + i}` }),
        ),
      )
      expect(responses.map((r) => r.status)).toEqual([401, 401, 401])
    })

    it('takes the address the trusted proxy saw, not what the client prepended', async () => {
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) {
        const response = await attempt(h(), `spoof${i}@example.com`, {
          'x-forwarded-for': `${randomIp()}, 203.0.113.50`,
        })
        statuses.push(response.status)
      }
      expect(statuses).toEqual([401, 401, 429, 429])
    })

    it('limits per email across IPs, alike for a known and an unknown email', async () => {
      for (const email of ['many@example.com', 'unknown-person@example.com']) {
        const statuses: number[] = []
        for (let i = 0; i < 5; i++) {
          const response = await attempt(h(), email, { 'x-forwarded-for': randomIp() })
          statuses.push(response.status)
          if (response.status === 429) {
            expect(response.headers.get('ratelimit-policy')).toBe(
              '"ip";q=2;w=900, "email";q=3;w=600',
            )
            expect(response.headers.get('ratelimit')).toMatch(/^"ip";r=1;t=900, "email";r=0;t=\d+$/)
          }
        }
        expect(statuses).toEqual([401, 401, 401, 429, 429])
      }
    })

    it('the email is normalised before it is counted', async () => {
      const statuses: number[] = []
      for (const email of [
        'Case@Example.com',
        ' case@example.com',
        'CASE@EXAMPLE.COM',
        'case@example.com',
      ]) {
        statuses.push((await attempt(h(), email, { 'x-forwarded-for': randomIp() })).status)
      }
      expect(statuses).toEqual([401, 401, 401, 429])
    })
  })
})
