import {
  createSecretCache,
  type CachedSecret,
  type SecretCache,
  type SecretCacheOptions,
} from './create-secret-cache.js'
import type { Credential } from './extract-credential.js'
import { InvalidTokenError } from './errors.js'
import { sha256, sha256Reused, timing } from './lib/crypto.js'
import { silentLogger, type Logger } from './logger.js'
import type { Principal } from './principal.js'
import type { SecretSource } from './sources/secret-source.js'
import { UNSET, type Strategy, type StrategyResult } from './strategy.js'

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
 * A service acts as itself: the authenticator refuses its principal when the request carries
 * `X-On-Behalf-Of` (only `internalToken` acts on behalf of a user).
 *
 * @throws TypeError at creation for a bad option.
 * @throws InvalidTokenError (`invalid_token`, 401) for a wrong secret; through the authenticator,
 *   InvalidRequestError (`invalid_request`, 400) for the right one beside `X-On-Behalf-Of`.
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
  // Until an authenticator attaches its logger, the cache logs nowhere (or to `cache.logger`).
  let attached: Logger = options.cache?.logger ?? silentLogger
  const cache = isCache(options.source)
    ? options.source
    : createSecretCache({
        ...options.cache,
        source: options.source,
        logger: {
          warn: (object, message) => attached.warn(object, message),
          error: (object, message) => attached.error(object, message),
        },
      })
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

  // The presented secret when the credential is this strategy's kind; `undefined` otherwise.
  function presentedBy(credential: Credential): string | undefined {
    if (bearer) return credential.kind === 'bearer' ? credential.token : undefined
    return credential.kind === 'header' && credential.header === header
      ? credential.value
      : undefined
  }

  function verify(
    secrets: readonly CachedSecret[],
    presented: string | undefined,
  ): StrategyResult | Promise<StrategyResult> {
    if (secrets.length === 0) return UNSET
    if (presented === undefined) return undefined
    if (sha256Reused === undefined)
      return sha256(presented).then((digest) => match(secrets, digest))
    // The reused digest is compared at once, before anything else can hash.
    return match(secrets, sha256Reused(presented))
  }

  function match(secrets: readonly CachedSecret[], digest: Uint8Array): Principal {
    let matched = -1
    for (let i = 0; i < secrets.length; i++) {
      // Every secret is compared, whatever the earlier results: no early exit.
      const equal = timing.equal(digest, secrets[i]!.digest)
      matched = equal ? i : matched
    }
    if (matched === -1) throw new InvalidTokenError()
    return principalFor(secrets[matched]!.subject ?? subject)
  }

  function unsetOrNotMine(): StrategyResult | Promise<StrategyResult> {
    const held = cache.peek()
    if (held !== undefined) return held.secrets.length === 0 ? UNSET : undefined
    // This source's outage must not decide a request this strategy would never check.
    return cache.get().then(
      (snapshot) => (snapshot.secrets.length === 0 ? UNSET : undefined),
      () => undefined,
    )
  }

  return {
    name: 'service-token',
    headers: bearer ? [] : [header],
    cache,
    attach({ logger }) {
      if (options.cache?.logger === undefined) attached = logger
    },
    authenticate({ credential }) {
      // A credential of another kind is not this strategy's to judge (SPEC §3): the next
      // strategy decides, whatever this source's state.
      const presented = credential === undefined ? undefined : presentedBy(credential)
      // Another scheme counts as no credential (RFC 6750 §3.1); a bearer or header credential of
      // another kind belongs to the next strategy, but an unset secret must still be reported so
      // that `whenUnset: 'open'` and dev mode keep working for clients that send one.
      if (
        presented === undefined &&
        credential !== undefined &&
        credential.kind !== 'other-scheme'
      ) {
        return unsetOrNotMine()
      }
      // Otherwise the source is consulted first: an outage is 503 and an unset secret is a
      // configuration state, whether or not the request carries a credential. A fresh cache
      // answers without a promise, so success stays synchronous on the hot path.
      const held = cache.peek()
      if (held === undefined) {
        return cache.get().then((snapshot) => verify(snapshot.secrets, presented))
      }
      try {
        return verify(held.secrets, presented)
      } catch (error) {
        // A refusal is a rejection, like every other failure.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- reject wants an Error
        return Promise.reject(error as Error)
      }
    },
  }
}
