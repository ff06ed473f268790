import { describe, expect, it } from 'vitest'
import { rateLimitHeaders } from './rate-limit-headers.js'

describe('rateLimitHeaders() (draft-ietf-httpapi-ratelimit-headers-10)', () => {
  const ip = { name: 'ip', limit: 5, windowSeconds: 900 }
  const email = { name: 'email', limit: 3, windowSeconds: 600 }

  it('describes each policy and its current state; no Retry-After while allowed', () => {
    expect(
      rateLimitHeaders([
        { allowed: true, policy: ip, remaining: 4, resetSeconds: 900 },
        { allowed: true, policy: email, remaining: 2, resetSeconds: 600 },
      ]),
    ).toEqual({
      'ratelimit-policy': '"ip";q=5;w=900, "email";q=3;w=600',
      ratelimit: '"ip";r=4;t=900, "email";r=2;t=600',
    })
  })

  it('adds Retry-After, the longest wait of the refusing policies', () => {
    const headers = rateLimitHeaders([
      { allowed: true, policy: ip, remaining: 3, resetSeconds: 850 },
      { allowed: false, policy: email, remaining: 0, resetSeconds: 42 },
    ])
    expect(headers['retry-after']).toBe('42')
    expect(headers.ratelimit).toBe('"ip";r=3;t=850, "email";r=0;t=42')
  })
})
