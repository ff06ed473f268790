import { describe, expect, it } from 'vitest'
import { isInvalidToken } from './is-invalid-token.js'

const res = (status: number, headers: Record<string, string>, body?: string) =>
  new Response(body ?? null, { status, headers })

describe('isInvalidToken()', () => {
  it('reads the RFC 6750 challenge', async () => {
    const yes = [
      'Bearer realm="api", error="invalid_token"',
      'Bearer realm="api", error="invalid_token", error_description="The credential is not valid"',
      'Bearer error=invalid_token',
      'bearer realm="x",error="INVALID_TOKEN"',
    ]
    for (const challenge of yes)
      expect(await isInvalidToken(res(401, { 'www-authenticate': challenge }))).toBe(true)
    const no = [
      'Bearer realm="api"',
      'Bearer realm="api", error="invalid_request"',
      'Bearer error="invalid_token_x"',
      'Basic realm="x"',
    ]
    for (const challenge of no)
      expect(await isInvalidToken(res(401, { 'www-authenticate': challenge }))).toBe(false)
  })

  it('falls back to the problem code, and leaves the body readable', async () => {
    const response = res(
      401,
      { 'content-type': 'application/problem+json' },
      '{"code":"invalid_token"}',
    )
    expect(await isInvalidToken(response)).toBe(true)
    expect(await response.text()).toBe('{"code":"invalid_token"}')
    expect(
      await isInvalidToken(
        res(401, { 'content-type': 'application/problem+json' }, '{"code":"missing_credentials"}'),
      ),
    ).toBe(false)
    expect(
      await isInvalidToken(
        res(401, { 'content-type': 'application/json' }, '{"code":"invalid_token"}'),
      ),
    ).toBe(false)
    expect(
      await isInvalidToken(res(401, { 'content-type': 'application/problem+json' }, 'not json')),
    ).toBe(false)
  })

  it('is false for anything but 401', async () => {
    expect(
      await isInvalidToken(res(403, { 'www-authenticate': 'Bearer error="invalid_token"' })),
    ).toBe(false)
    expect(await isInvalidToken(res(200, {}))).toBe(false)
  })
})
