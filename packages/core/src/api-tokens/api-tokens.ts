import { AuthUnavailableError, InvalidRequestError, InvalidTokenError } from '../errors.js'
import { ON_BEHALF_OF_HEADER } from '../internal-token/internal-token.js'
import { isThenable } from '../lib/is-thenable.js'
import { describeError, silentLogger, type Logger } from '../logger.js'
import type { Principal } from '../principal.js'
import type { Strategy, StrategyInput } from '../strategy.js'
import type { APITokenVerifier, VerifiedAPIToken } from './api-token-verifier.js'
import { digestAPIToken } from './digest-api-token.js'
import { checkPrefix, DEFAULT_PREFIX } from './lib/format.js'
import { hexDigestSync, latin1DigestSync, latin1ToHex, nodeCrypto } from './lib/node-crypto.js'
import { VerificationCache, type Entry } from './lib/verification-cache.js'
import { parseWithPrefix } from './parse-api-token.js'

/** Options of the verification cache of {@link apiTokens}. */
export type APITokensCacheOptions = {
  /** How long a found token is trusted without asking the store again. Default 10 000 ms. */
  ttlMs?: number
  /** How long "no such token" is remembered. Default 1 000 ms; 0 disables. At most `ttlMs`. */
  negativeTtlMs?: number
  /** Most digests kept (least recently used dropped first). Default 10 000. */
  max?: number
}

/** Options of {@link apiTokens}. */
export type APITokensOptions = {
  /** Finds a token by digest: the token service's store, or a remote introspection client. */
  store: APITokenVerifier
  /** The prefix this deployment issues (SPEC §5). Default `kg`. */
  prefix?: string
  /** Server pepper: digests are HMAC-SHA256 keyed with it. Must match the issuer's. */
  pepper?: string
  /** Verification cache options, or `false` to ask the store on every request. */
  cache?: APITokensCacheOptions | false
  /**
   * Called after each successful authentication, e.g. with a last-used recorder's `record`.
   * Must not block or throw (a throw is logged and ignored).
   */
  onUse?: (tokenId: string, at: Date) => void
  /**
   * Called on every verification-cache lookup with `hit` or `miss` (a miss asks the store, or
   * joins a lookup in flight), e.g. to count them as metrics. Not called when the cache is off.
   * Must not block or throw (a throw is logged and ignored).
   */
  onCacheEvent?: (event: 'hit' | 'miss') => void
  /** Receives a warning when `onUse` or `onCacheEvent` throws. Never a token or digest. */
  logger?: Logger
}

/** The `apiTokens` strategy, with hooks to make a revocation take effect at once. */
export type APITokensStrategy = Omit<Strategy, 'authenticate'> & {
  readonly prefix: string
  /**
   * Synchronous for a cache hit that succeeds under Node (the digest is synchronous there); a
   * promise when the store is asked. A refusal is always a rejection with its `AuthError`.
   */
  authenticate(input: StrategyInput): Principal | undefined | Promise<Principal | undefined>
  /** Drops every cached lookup of this token (call it right after revoking or rotating it). */
  invalidate(tokenId: string): void
  /** Drops the whole cache (a user disabled, a bulk revocation, a pepper change). */
  invalidateAll(): void
}

const DEFAULT_TTL_MS = 10_000
const DEFAULT_NEGATIVE_TTL_MS = 1_000
const DEFAULT_MAX = 10_000

function checkMs(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`apiTokens(): ${name} must be an integer ≥ ${min}`)
  }
  return value
}

function freezeRecord(record: VerifiedAPIToken): VerifiedAPIToken {
  return Object.freeze({
    id: record.id,
    userId: record.userId,
    scopes: Object.freeze([...record.scopes]),
    expiresAt: new Date(record.expiresAt.getTime()),
    revokedAt: record.revokedAt === null ? null : new Date(record.revokedAt.getTime()),
    userDisabled: record.userDisabled,
    graceUntil: record.graceUntil == null ? null : new Date(record.graceUntil.getTime()),
  })
}

/**
 * Per-user API tokens (SPEC §3, §5). Recognises only `Authorization: Bearer` credentials whose
 * prefix (everything before the last `_`) is this strategy's, so it can sit beside
 * `serviceToken` in one chain; any other credential is passed on. A recognised token is checked
 * offline first (length, alphabet, CRC-32 checksum): garbage is refused without a store lookup.
 * Then its digest is looked up (through a bounded cache) and the token must be neither revoked nor
 * expired (nor a rotated-away secret past its grace period), and its owner not disabled.
 *
 * The cache holds answers for up to `ttlMs`, and never past the token's expiry. A revocation on
 * this instance takes effect at once when the revoker calls `invalidate(tokenId)`; on other
 * instances within `ttlMs`, or sooner when they receive the revocation and call `invalidate`.
 *
 * @throws TypeError at creation for a bad option.
 * @throws InvalidTokenError (`invalid_token`, 401) for a malformed, unknown, revoked or expired
 *   token or a disabled user; the detail says which, never quoting the token.
 * @throws InvalidRequestError (`invalid_request`, 400) for a token sent with `X-On-Behalf-Of`.
 * @throws AuthUnavailableError (`auth_unavailable`, 503) when the store throws.
 * @example
 * ```ts
 * const tokens = apiTokens({ store: verifier, prefix: 'kg', onUse: recorder.record })
 * const gate = createAuthenticator({ strategies: [serviceToken({ source }), tokens] })
 * // after a revocation: tokens.invalidate(tokenId)
 * ```
 */
export function apiTokens(options: APITokensOptions): APITokensStrategy {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('apiTokens(): options are required')
  }
  const store = options.store
  if (store == null || typeof store.findByDigest !== 'function') {
    throw new TypeError('apiTokens(): store must have a findByDigest(digest, now) method')
  }
  const prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX, 'apiTokens()')
  const pepper = options.pepper
  if (pepper !== undefined && (typeof pepper !== 'string' || pepper === '')) {
    throw new TypeError('apiTokens(): pepper must be a non-empty string')
  }
  const onUse = options.onUse
  if (onUse !== undefined && typeof onUse !== 'function') {
    throw new TypeError('apiTokens(): onUse must be a function')
  }
  const onCacheEvent = options.onCacheEvent
  if (onCacheEvent !== undefined && typeof onCacheEvent !== 'function') {
    throw new TypeError('apiTokens(): onCacheEvent must be a function')
  }
  const logger = options.logger ?? silentLogger
  let cache: VerificationCache | undefined
  let ttlMs = 0
  let negativeTtlMs = 0
  if (options.cache !== false) {
    const cacheOptions = options.cache ?? {}
    ttlMs = checkMs(cacheOptions.ttlMs ?? DEFAULT_TTL_MS, 'cache.ttlMs', 1)
    negativeTtlMs = checkMs(
      cacheOptions.negativeTtlMs ?? Math.min(DEFAULT_NEGATIVE_TTL_MS, ttlMs),
      'cache.negativeTtlMs',
      0,
    )
    if (negativeTtlMs > ttlMs) {
      throw new TypeError('apiTokens(): cache.negativeTtlMs must not exceed cache.ttlMs')
    }
    cache = new VerificationCache(checkMs(cacheOptions.max ?? DEFAULT_MAX, 'cache.max', 1))
  }
  function cacheEvent(event: 'hit' | 'miss'): void {
    if (onCacheEvent === undefined) return
    try {
      onCacheEvent(event)
    } catch (error) {
      logger.warn(describeError(error), 'keygate: apiTokens onCacheEvent threw')
    }
  }

  // One store call per digest at a time: a burst of requests with one token shares it.
  const inflight = new Map<string, Promise<VerifiedAPIToken | undefined>>()

  // With the cache on, under Node, the cache and the in-flight map are keyed by the digest's 32
  // bytes as a latin1 string: cheaper to make, hash and compare than 64 hex characters, on every
  // hit; the store is asked by the hex form SPEC §5 stores, made from it on a miss (0.4 µs).
  // With the cache off every request is a miss, so the digest is made in hex at once. Without
  // node:crypto every digest is Web Crypto's, in hex.
  const toHex = cache !== undefined && nodeCrypto !== undefined ? latin1ToHex : undefined
  const digestSync = toHex === undefined ? hexDigestSync : latin1DigestSync
  const storedForm: (digest: string) => string = toHex ?? ((digest) => digest)

  type Found = VerifiedAPIToken | undefined

  /** The store's answer, frozen and remembered (`generation`: the cache's when the call began). */
  function remember(
    digest: string,
    now: number,
    generation: number,
    record: VerifiedAPIToken | null | undefined,
  ): Found {
    let found: Found
    try {
      found = record == null ? undefined : freezeRecord(record)
    } catch (error) {
      throw new AuthUnavailableError({ cause: error })
    }
    // An invalidation while we waited means this answer may predate a revocation: don't keep it.
    if (cache !== undefined && cache.generation === generation) {
      if (found === undefined) {
        if (negativeTtlMs > 0) cache.set(digest, undefined, now + negativeTtlMs)
      } else if (found.revokedAt !== null || found.expiresAt.getTime() <= now) {
        // Final states: remembering them spares the store a repeated dead token.
        cache.set(digest, found, now + ttlMs)
      } else {
        // A live token is never served from the cache past its expiry or grace period.
        let expires = Math.min(now + ttlMs, found.expiresAt.getTime())
        if (found.graceUntil != null) expires = Math.min(expires, found.graceUntil.getTime())
        cache.set(digest, found, expires)
      }
    }
    return found
  }

  // Synchronous when the store answers synchronously (the SQLite store does): a cache miss then
  // costs no promise and no tick. A store error, thrown or rejected, is AuthUnavailableError.
  function fetch(digest: string, now: number, token: string): Found | Promise<Found> {
    const generation = cache?.generation ?? 0
    let answer: ReturnType<APITokenVerifier['findByDigest']>
    try {
      answer = store.findByDigest(storedForm(digest), new Date(now), { token })
    } catch (error) {
      throw new AuthUnavailableError({ cause: error })
    }
    if (!isThenable(answer)) return remember(digest, now, generation, answer)
    return Promise.resolve(answer).then(
      (record) => remember(digest, now, generation, record),
      (error: unknown) => {
        throw new AuthUnavailableError({ cause: error })
      },
    )
  }

  function lookup(digest: string, now: number, token: string): Found | Promise<Found> {
    if (cache !== undefined) {
      const hit = cache.get(digest, now)
      cacheEvent(hit === undefined ? 'miss' : 'hit')
      if (hit !== undefined) return hit.value
    }
    const pending = inflight.get(digest)
    if (pending !== undefined) return pending
    const answer = fetch(digest, now, token)
    if (!isThenable(answer)) return answer
    const shared: Promise<Found> = answer.finally(() => {
      if (inflight.get(digest) === shared) inflight.delete(digest)
    })
    inflight.set(digest, shared)
    return shared
  }

  /** The verdict on a looked-up token: its principal, or the error that refuses it. */
  // `entry`: the cache entry `token` came from, where the principal built for it is kept.
  function verdict(
    token: VerifiedAPIToken | undefined,
    now: number,
    entry?: Entry,
  ): Principal | InvalidTokenError {
    if (token === undefined) return new InvalidTokenError()
    if (token.revokedAt !== null)
      return new InvalidTokenError({ detail: 'The token has been revoked' })
    if (token.expiresAt.getTime() <= now) {
      return new InvalidTokenError({ detail: 'The token has expired' })
    }
    if (token.graceUntil != null && token.graceUntil.getTime() <= now) {
      return new InvalidTokenError({ detail: 'The token has been rotated' })
    }
    if (token.userDisabled) return new InvalidTokenError({ detail: 'The user is disabled' })
    if (onUse !== undefined) {
      try {
        onUse(token.id, new Date(now))
      } catch (error) {
        logger.warn(
          { tokenId: token.id, ...describeError(error) },
          'keygate: apiTokens onUse threw',
        )
      }
    }
    // The principal depends on the record alone (its state was checked above, at `now`): a
    // cache hit hands out the one built the first time.
    if (entry?.principal !== undefined) return entry.principal
    const expiresAt =
      token.graceUntil != null && token.graceUntil < token.expiresAt
        ? token.graceUntil
        : token.expiresAt
    const principal: Principal = Object.freeze({
      kind: 'user',
      subject: token.userId,
      scopes: token.scopes,
      via: 'api-token',
      tokenId: token.id,
      expiresAt: new Date(expiresAt.getTime()),
    })
    if (entry !== undefined) entry.principal = principal
    return principal
  }

  function settle(token: VerifiedAPIToken | undefined, now: number, digest: string): Principal {
    // The entry the lookup left in the cache (if it kept this answer) keeps the principal, so
    // the hits that follow serve this very object.
    const entry = token === undefined ? undefined : cache?.get(digest, now)
    const result = verdict(token, now, entry?.value === token ? entry : undefined)
    if (result instanceof InvalidTokenError) throw result
    return result
  }

  const strategy: APITokensStrategy = {
    name: 'api-token',
    headers: [],
    prefix,
    invalidate(tokenId) {
      cache?.invalidate(tokenId)
      inflight.clear()
    },
    invalidateAll() {
      cache?.clear()
      inflight.clear()
    },
    authenticate({ credential, request }) {
      if (credential === undefined || credential.kind !== 'bearer') return undefined
      const token = credential.token
      // Recognition is by prefix alone: another prefix (a session, a service secret) is passed on.
      if (token.lastIndexOf('_') !== prefix.length || !token.startsWith(prefix)) return undefined
      // An API token acts for its owner only. A delegation header beside it is refused, never
      // ignored: a gateway that believes it delegated would otherwise act as the token's owner
      // (a confused deputy). Only the internal token acts on behalf of someone (SPEC §3).
      if (request.header(ON_BEHALF_OF_HEADER).length > 0) {
        return Promise.reject(
          new InvalidRequestError({
            detail: 'X-On-Behalf-Of is accepted only with the internal token',
          }),
        )
      }
      const now = Date.now()
      const digest = digestSync(token, pepper)
      if (digest !== undefined) {
        // A cache hit answers synchronously: no promise and no extra tick on the hot path. Only a
        // token that passed the offline checks was ever looked up, so a hit need not redo them.
        const hit = cache?.get(digest, now)
        if (hit !== undefined) {
          cacheEvent('hit')
          const result = verdict(hit.value, now, hit)
          return result instanceof InvalidTokenError ? Promise.reject(result) : result
        }
      }
      // Offline checks (length, alphabet, CRC-32) before any store lookup: garbage never costs one.
      const parsed = parseWithPrefix(token, prefix)
      if (!parsed.ok) {
        if (parsed.reason === 'foreign') return undefined
        // Refusals are rejections, as everywhere in the chain; only success may be synchronous.
        return Promise.reject(new InvalidTokenError({ detail: 'The token is malformed' }))
      }
      if (digest === undefined) {
        return digestAPIToken(token, { pepper }).then(async (d) =>
          settle(await lookup(d, now, token), now, d),
        )
      }
      // Refusals stay rejections when the store answered synchronously too.
      try {
        const found = lookup(digest, now, token)
        if (isThenable(found)) return found.then((settled) => settle(settled, now, digest))
        return settle(found, now, digest)
      } catch (error) {
        // AuthErrors only: a store's own error arrives wrapped as AuthUnavailableError.
        return Promise.reject(
          error instanceof Error ? error : new AuthUnavailableError({ cause: error }),
        )
      }
    },
  }
  // A verifier that learns of revocations itself (the remote one, from the token service's
  // stream) drops this strategy's cached answers too.
  store.watch?.({
    invalidate: (tokenId) => strategy.invalidate(tokenId),
    invalidateAll: () => strategy.invalidateAll(),
  })
  return strategy
}
