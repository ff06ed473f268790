import { describe, expect, it } from 'vitest'
import { configFromEnv, resolveConfig } from '../config.js'

const TOKEN = 'i'.repeat(40)

describe('sessions and externalAuth configuration', () => {
  it('has documented defaults', () => {
    const config = resolveConfig({})
    expect(config.sessions).toEqual({
      ttlSeconds: 900,
      algorithm: 'EdDSA',
      keyRotationDays: 30,
      publishAheadSeconds: 3600,
      issuer: 'keygate',
      audience: 'keygate',
      cookieName: '__Host-keygate_session',
      cookieSecure: true,
      allowedOrigins: [],
      keyEncryptionSecret: undefined,
    })
    expect(config.externalAuth).toEqual({
      enabled: false,
      internalToken: undefined,
      actor: 'external-auth',
    })
  })

  it('names the cookie without __Host- when it is not Secure, which only a loopback host may ask', () => {
    expect(resolveConfig({ sessions: { cookieSecure: false } }).sessions.cookieName).toBe(
      'keygate_session',
    )
    expect(() => resolveConfig({ host: '0.0.0.0', sessions: { cookieSecure: false } })).toThrow(
      'keygate config: sessions.cookieSecure may be false only when host is a loopback address',
    )
    expect(() =>
      resolveConfig({ sessions: { cookieSecure: false, cookieName: '__Host-x' } }),
    ).toThrow('keygate config: sessions.cookieName may not start with __Host- or __Secure-')
  })

  it('refuses bad session keys, one line each', () => {
    const cases: [unknown, string][] = [
      [{ ttlSeconds: 30 }, 'sessions.ttlSeconds must be an integer between 60 and 86400'],
      [{ algorithm: 'HS256' }, 'sessions.algorithm must be EdDSA or ES256'],
      [{ keyRotationDays: 0 }, 'sessions.keyRotationDays must be an integer between 1 and 365'],
      [
        { keyRotationDays: 1, publishAheadSeconds: 86_400 },
        'sessions.publishAheadSeconds must be an integer between 60 and 86399',
      ],
      [{ allowedOrigins: ['https://a.example/path'] }, 'sessions.allowedOrigins entry'],
      [{ keyEncryptionSecret: 'short' }, 'sessions.keyEncryptionSecret must be at least 32'],
      [{ cookieName: 'a b' }, 'sessions.cookieName must be a cookie name'],
      [{ issuer: 'has space' }, 'sessions.issuer must be 1-256 printable characters'],
      [{ lifetime: 1 }, 'sessions.lifetime is not a known option'],
    ]
    for (const [sessions, message] of cases) {
      expect(() => resolveConfig({ sessions } as never), JSON.stringify(sessions)).toThrow(message)
    }
  })

  it('checks the internal token without ever quoting it', () => {
    const short = 'tooShortSecret123'
    const cases: [string, string][] = [
      [short, 'externalAuth.internalToken must be at least 32 bytes'],
      [`${'a'.repeat(32)} with spaces`, 'externalAuth.internalToken must be sendable as a bearer'],
      [
        `kg_${'a'.repeat(40)}`,
        'externalAuth.internalToken must not look like an API token or a JWT',
      ],
      [`${TOKEN},${short}`, 'externalAuth.internalToken must be at least 32 bytes'],
    ]
    for (const [internalToken, message] of cases) {
      let error: unknown
      try {
        resolveConfig({ externalAuth: { enabled: true, internalToken } })
      } catch (e) {
        error = e
      }
      expect((error as Error).message).toContain(message)
      expect((error as Error).message).not.toContain(internalToken.slice(0, 12))
    }
    expect(
      resolveConfig({
        externalAuth: { enabled: true, internalToken: `${TOKEN},${'j'.repeat(32)}` },
      }).externalAuth.enabled,
    ).toBe(true)
  })

  it('reads KEYGATE_EXTERNAL_AUTH, KEYGATE_INTERNAL_TOKEN and KEYGATE_SESSION_*', () => {
    const config = resolveConfig(
      configFromEnv({
        KEYGATE_EXTERNAL_AUTH: 'true',
        KEYGATE_INTERNAL_TOKEN: TOKEN,
        KEYGATE_SESSION_TTL_SECONDS: '600',
        KEYGATE_SESSION_ALGORITHM: 'ES256',
        KEYGATE_SESSION_ISSUER: 'https://auth.example.com',
        KEYGATE_SESSION_AUDIENCE: 'https://console.example.com',
        KEYGATE_SESSION_COOKIE_SECURE: 'false',
        KEYGATE_SESSION_ALLOWED_ORIGINS: 'https://a.example.com, https://b.example.com',
        KEYGATE_SESSION_KEY_ENCRYPTION_SECRET: 's'.repeat(32),
      }),
    )
    expect(config.externalAuth).toEqual({
      enabled: true,
      internalToken: TOKEN,
      actor: 'external-auth',
    })
    expect(config.sessions).toMatchObject({
      ttlSeconds: 600,
      algorithm: 'ES256',
      issuer: 'https://auth.example.com',
      audience: 'https://console.example.com',
      cookieSecure: false,
      cookieName: 'keygate_session',
      allowedOrigins: ['https://a.example.com', 'https://b.example.com'],
      keyEncryptionSecret: 's'.repeat(32),
    })
    expect(() => configFromEnv({ KEYGATE_EXTERNAL_AUTH: 'yes' })).toThrow(
      'keygate config: KEYGATE_EXTERNAL_AUTH must be true or false',
    )
  })
})
