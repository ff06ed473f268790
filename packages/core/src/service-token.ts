import {
  createSecretCache,
  type SecretCache,
  type SecretCacheOptions,
} from './create-secret-cache.js'
import { InvalidTokenError } from './errors.js'
import { sha256, sha256Sync, timing } from './lib/crypto.js'
import type { Principal } from './principal.js'
import type { SecretSource } from './sources/secret-source.js'
import { UNSET, type Strategy } from './strategy.js'

/** Options of {@link serviceToken}. */
export type ServiceTokenOptions = {
  /** Where the shared secrets come from; wrapped in the cache unless a cache is given. */
  source: SecretSource | SecretCache
  /**
   * Header that carries the secret: `authorization` (as `Bearer <secret>`, the default) or a
   * custom header such as `x-service-token` (the raw secret).
   */
  header?: string
  /** Principal subject when the matching secret names none. Default `"service"`. */
  subject?: string
  /** Scopes granted to the service principal. Default none. */
  scopes?: readonly string[]
  /** Cache options when `source` is a plain source. */
  cache?: Omit<SecretCacheOptions, 'source'>
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/

function isCache(value: SecretSource | SecretCache): value is SecretCache {
  return typeof (value as SecretCache).get === 'function'
}

/**
 * The shared-secret gate for trusted services (SPEC §3). The presented value and every configured
 * secret are hashed with SHA-256 and compared with a constant-time equality, always all of them:
 * no early exit and, since digests have one length, no length oracle.
 *
 * @throws TypeError at creation for a bad option.
 * @example
 * ```ts
 * const gate = createAuthenticator({
 *   strategies: [serviceToken({ source: env('KEYGATE_SERVICE_TOKEN'), header: 'x-service-token' })],
 * })
 * ```
 */
export function serviceToken(
  options: ServiceTokenOptions,
): Strategy & { readonly cache: SecretCache } {
  if (options === null || typeof options !== 'object' || options.source == null) {
    throw new TypeError('serviceToken(): source is required')
  }
  const header = (options.header ?? 'authorization').toLowerCase()
  if (!HEADER_NAME.test(header)) {
    throw new TypeError('serviceToken(): header must be a valid header name')
  }
  const subject = options.subject ?? 'service'
  if (typeof subject !== 'string' || subject === '') {
    throw new TypeError('serviceToken(): subject must be a non-empty string')
  }
  const scopes = Object.freeze([...(options.scopes ?? [])])
  const cache = isCache(options.source)
    ? options.source
    : createSecretCache({ ...options.cache, source: options.source })
  const principals = new Map<string, Principal>()
  const principalFor = (name: string): Principal => {
    let principal = principals.get(name)
    if (principal === undefined) {
      principal = Object.freeze({ kind: 'service', subject: name, scopes, via: 'service-token' })
      principals.set(name, principal)
    }
    return principal
  }
  const bearer = header === 'authorization'

  return {
    name: 'service-token',
    headers: bearer ? [] : [header],
    cache,
    async authenticate({ credential }) {
      // The source is consulted first: an outage is 503 and an unset secret is a configuration
      // state, whether or not this request carries a credential.
      const { secrets } = await cache.get()
      if (secrets.length === 0) return UNSET
      let presented: string
      if (credential === undefined) return undefined
      if (bearer && credential.kind === 'bearer') presented = credential.token
      else if (!bearer && credential.kind === 'header' && credential.header === header) {
        presented = credential.value
      } else return undefined

      const digest = sha256Sync !== undefined ? sha256Sync(presented) : await sha256(presented)
      let matched = -1
      for (let i = 0; i < secrets.length; i++) {
        // Every secret is compared, whatever the earlier results: no early exit.
        const equal = timing.equal(digest, secrets[i]!.digest)
        matched = equal ? i : matched
      }
      if (matched === -1) throw new InvalidTokenError()
      return principalFor(secrets[matched]!.subject ?? subject)
    },
  }
}
