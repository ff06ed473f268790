import { bool, checkKeys, fail, pick } from './lib/checks.js'
import type { ServerConfig } from './server-config.js'

// RFC 6750 §2.1 b64token: what an `Authorization: Bearer` value may hold.
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/** Validates `externalAuth`; the internal token may not look like a `<prefix>_` API token or a JWT. */
export function resolveExternalAuth(
  value: unknown,
  defaults: ServerConfig['externalAuth'],
  prefix: string,
): ServerConfig['externalAuth'] {
  const input = checkKeys(value ?? {}, 'externalAuth', Object.keys(defaults))
  const enabled = pick(input, 'enabled', defaults.enabled, (v) => bool(v, 'externalAuth.enabled'))
  // The value is a secret: messages name the key and the rule, never the value.
  const internalToken = pick<string | undefined>(input, 'internalToken', undefined, (v) => {
    if (typeof v !== 'string') fail('externalAuth.internalToken', 'must be a string')
    for (const secret of v.split(',').map((s) => s.trim())) {
      if (Buffer.byteLength(secret) < 32) {
        fail(
          'externalAuth.internalToken',
          'must be at least 32 bytes (e.g. openssl rand -base64 32)',
        )
      }
      if (!BEARER_TOKEN.test(secret)) {
        fail(
          'externalAuth.internalToken',
          'must be sendable as a bearer token: [A-Za-z0-9-._~+/] then =',
        )
      }
      if (secret.startsWith(`${prefix}_`) || secret.split('.').length === 3) {
        fail('externalAuth.internalToken', 'must not look like an API token or a JWT')
      }
    }
    return v
  })
  const actor = pick(input, 'actor', defaults.actor, (v) => {
    if (typeof v !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(v)) {
      fail('externalAuth.actor', 'must be 1-64 of [A-Za-z0-9._-]')
    }
    return v
  })
  return { enabled, internalToken, actor }
}
