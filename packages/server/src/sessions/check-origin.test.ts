import { headersFromRecord, type AuthRequest } from '@keygate/core'
import { describe, expect, it } from 'vitest'
import { createOriginCheck } from './check-origin.js'

function request(headers: Record<string, string | string[]>): AuthRequest {
  return { method: 'POST', path: '/v1/users', header: headersFromRecord(headers) }
}

function outcome(fn: () => void): string {
  try {
    fn()
    return 'ok'
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`
  }
}

describe('createOriginCheck', () => {
  const check = createOriginCheck({
    allowedOrigins: ['https://console.example.com'],
    requireHttps: true,
  })

  it('passes the server’s own origin, with or without the default port in Host', () => {
    for (const host of ['api.example.com', 'api.example.com:443', 'API.example.com']) {
      expect(
        outcome(() => check.require(request({ host, origin: 'https://api.example.com' }))),
        host,
      ).toBe('ok')
    }
    expect(
      outcome(() =>
        check.require(
          request({ host: 'api.example.com:8443', origin: 'https://api.example.com:8443' }),
        ),
      ),
    ).toBe('ok')
  })

  it('refuses another host or port, http: when HTTPS is required, null, and a malformed origin', () => {
    const cases: Record<string, string>[] = [
      { host: 'api.example.com', origin: 'https://evil.example.com' },
      { host: 'api.example.com:8443', origin: 'https://api.example.com' },
      { host: 'api.example.com', origin: 'http://api.example.com' },
      { host: 'api.example.com', origin: 'null' },
      { host: 'api.example.com', origin: 'https://api.example.com/path' },
      { host: 'api.example.com', origin: 'not a url' },
      { origin: 'https://api.example.com' },
    ]
    for (const headers of cases) {
      expect(
        outcome(() => check.require(request(headers))),
        JSON.stringify(headers),
      ).toMatch(/^csrf_failed: /)
    }
  })

  it('allowedOrigins match exactly; Referer stands in for a missing Origin', () => {
    expect(
      outcome(() =>
        check.require(request({ host: 'api.example.com', origin: 'https://console.example.com' })),
      ),
    ).toBe('ok')
    expect(
      outcome(() =>
        check.require(
          request({ host: 'api.example.com', origin: 'https://console.example.com:444' }),
        ),
      ),
    ).toMatch(/^csrf_failed/)
    expect(
      outcome(() =>
        check.require(request({ host: 'api.example.com', referer: 'https://api.example.com/x?y' })),
      ),
    ).toBe('ok')
    expect(outcome(() => check.require(request({ host: 'api.example.com', referer: '::' })))).toBe(
      'csrf_failed: The Referer header is not a URL',
    )
    expect(outcome(() => check.require(request({ host: 'api.example.com' })))).toBe(
      'csrf_failed: A request made with a session cookie must send Origin or Referer',
    )
  })

  it('ifPresent lets a request without Origin through (scripts), and judges one with it', () => {
    expect(outcome(() => check.ifPresent(request({ host: 'api.example.com' })))).toBe('ok')
    expect(
      outcome(() =>
        check.ifPresent(request({ host: 'api.example.com', origin: 'https://evil.example' })),
      ),
    ).toMatch(/^csrf_failed/)
  })

  it('accepts http: for the server’s own origin only when HTTPS is not required', () => {
    const dev = createOriginCheck({ allowedOrigins: [], requireHttps: false })
    expect(
      outcome(() =>
        dev.require(request({ host: '127.0.0.1:4400', origin: 'http://127.0.0.1:4400' })),
      ),
    ).toBe('ok')
    expect(
      outcome(() =>
        dev.require(request({ host: '127.0.0.1:4400', origin: 'ftp://127.0.0.1:4400' })),
      ),
    ).toMatch(/^csrf_failed/)
  })

  it('with HTTPS required, accepts http: for the server’s own origin on a loopback host only', () => {
    // What `npm start` serves: a browser sends the Secure cookie to http://127.0.0.1 (a secure
    // context) and names that origin; nobody on the network can see or forge it.
    for (const host of [
      '127.0.0.1:4400',
      'localhost:4400',
      '[::1]:4400',
      '127.0.0.2',
      'a.localhost',
    ]) {
      expect(
        outcome(() => check.require(request({ host, origin: `http://${host}` }))),
        host,
      ).toBe('ok')
    }
    const refusedCases: Record<string, string>[] = [
      // A public host (production behind plain http) stays strict.
      { host: 'api.example.com', origin: 'http://api.example.com' },
      { host: '10.0.0.7:4400', origin: 'http://10.0.0.7:4400' },
      { host: 'localhost.example.com', origin: 'http://localhost.example.com' },
      { host: '127.0.0.1.example.com', origin: 'http://127.0.0.1.example.com' },
      // Another service on the same machine is another origin (SameSite does not look at ports).
      { host: '127.0.0.1:4400', origin: 'http://127.0.0.1:8080' },
      { host: '127.0.0.1:4400', origin: 'http://localhost:4400' },
    ]
    for (const headers of refusedCases) {
      expect(
        outcome(() => check.require(request(headers))),
        JSON.stringify(headers),
      ).toMatch(/^csrf_failed: /)
    }
  })

  it('validates allowedOrigins at creation', () => {
    expect(() =>
      createOriginCheck({ allowedOrigins: ['https://a.example/'], requireHttps: true }),
    ).toThrow('createOriginCheck(): "https://a.example/" is not an origin')
  })
})
