/**
 * The in-memory rate limiter under a flood of new keys (SPEC §6: per-email limits on
 * `POST /v1/auth/tokens`): filling its table with fresh windows must not reset the window of an
 * email whose attempts are spent — that would hand a password guesser a fresh budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryRateLimiter } from '../src/rate-limit/memory-rate-limiter.js'
import { startHarness, type Harness } from './harness.js'

describe('a flood of emails against a small in-memory rate limiter', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness(
      'sqlite',
      {
        rateLimits: {
          createToken: {
            perIp: { limit: 10_000, windowSeconds: 900 },
            perEmail: { limit: 3, windowSeconds: 900 },
          },
        },
      },
      { rateLimiter: createMemoryRateLimiter({ maxKeys: 20 }) },
    )
  })
  afterAll(() => h.close())

  const guess = (email: string) =>
    h.request('POST', '/v1/auth/tokens', {
      body: { email, password: 'a wrong guess', name: 'n' },
    })

  it("keeps a victim's spent per-email window through 60 new emails", async () => {
    await h.user('victim@example.com')
    for (let i = 0; i < 3; i++) expect((await guess('victim@example.com')).status).toBe(401)
    expect((await guess('victim@example.com')).status).toBe(429)
    for (let batch = 0; batch < 6; batch++) {
      const statuses = await Promise.all(
        Array.from(
          { length: 10 },
          async (_, i) => (await guess(`flood${batch * 10 + i}@example.com`)).status,
        ),
      )
      for (const status of statuses) expect([401, 429]).toContain(status)
    }
    const after = await guess('victim@example.com')
    expect(after.status).toBe(429)
    expect(after.headers.get('retry-after')).toMatch(/^\d+$/)
  })
})
