import { bool, checkKeys, fail, int, pick, str } from './lib/checks.js'
import type { ServerConfig } from './server-config.js'

const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '::1', '[::1]', 'localhost']
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** Validates `sessions`; `cookieSecure: false` needs a loopback `host`. */
export function resolveSessions(
  value: unknown,
  defaults: ServerConfig['sessions'],
  host: string,
): ServerConfig['sessions'] {
  const input = checkKeys(value ?? {}, 'sessions', Object.keys(defaults))
  const ttlSeconds = pick(input, 'ttlSeconds', defaults.ttlSeconds, (v) =>
    int(v, 'sessions.ttlSeconds', 60, 86_400),
  )
  const algorithm = pick(input, 'algorithm', defaults.algorithm, (v) => {
    if (v !== 'EdDSA' && v !== 'ES256') fail('sessions.algorithm', 'must be EdDSA or ES256')
    return v
  })
  const keyRotationDays = pick(input, 'keyRotationDays', defaults.keyRotationDays, (v) =>
    int(v, 'sessions.keyRotationDays', 1, 365),
  )
  const publishAheadSeconds = pick(
    input,
    'publishAheadSeconds',
    Math.min(defaults.publishAheadSeconds, keyRotationDays * 43_200),
    (v) => int(v, 'sessions.publishAheadSeconds', 60, keyRotationDays * 86_400 - 1),
  )
  const text = (name: 'issuer' | 'audience') =>
    pick(input, name, defaults[name], (v) => {
      const s = str(v, `sessions.${name}`)
      if (!/^[\x21-\x7e]{1,256}$/.test(s))
        fail(`sessions.${name}`, 'must be 1-256 printable characters without spaces')
      return s
    })
  const cookieSecure = pick(input, 'cookieSecure', defaults.cookieSecure, (v) => {
    const secure = bool(v, 'sessions.cookieSecure')
    if (!secure && !LOOPBACK_HOSTS.includes(host)) {
      fail(
        'sessions.cookieSecure',
        'may be false only when host is a loopback address (127.0.0.1, ::1, localhost): plain-http development',
      )
    }
    return secure
  })
  const cookieName = pick(
    input,
    'cookieName',
    cookieSecure ? defaults.cookieName : 'keygate_session',
    (v) => {
      if (typeof v !== 'string' || !COOKIE_NAME.test(v) || v.length > 64) {
        fail('sessions.cookieName', 'must be a cookie name (1-64 token characters)')
      }
      if (!cookieSecure && /^__(host|secure)-/i.test(v)) {
        fail(
          'sessions.cookieName',
          'may not start with __Host- or __Secure- when cookieSecure is false',
        )
      }
      return v
    },
  )
  const allowedOrigins = pick(input, 'allowedOrigins', defaults.allowedOrigins, (v) => {
    if (!Array.isArray(v)) fail('sessions.allowedOrigins', 'must be a list of origins')
    for (const entry of v) {
      let origin: string | undefined
      try {
        origin = typeof entry === 'string' ? new URL(entry).origin : undefined
      } catch {
        origin = undefined
      }
      if (origin === undefined || origin !== entry || !/^https?:/.test(origin)) {
        fail(
          'sessions.allowedOrigins',
          `entry ${JSON.stringify(entry)} is not an origin like https://console.example.com`,
        )
      }
    }
    return Object.freeze([...(v as string[])])
  })
  const keyEncryptionSecret = pick<string | undefined>(
    input,
    'keyEncryptionSecret',
    undefined,
    (v) => {
      if (typeof v !== 'string' || v.length < 32) {
        fail('sessions.keyEncryptionSecret', 'must be at least 32 characters')
      }
      return v
    },
  )
  return {
    ttlSeconds,
    algorithm,
    keyRotationDays,
    publishAheadSeconds,
    issuer: text('issuer'),
    audience: text('audience'),
    cookieName,
    cookieSecure,
    allowedOrigins,
    keyEncryptionSecret,
  }
}
