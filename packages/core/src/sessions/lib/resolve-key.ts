import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  exportJWK,
  type CryptoKey,
  type JWK,
  type JWTVerifyGetKey,
  type KeyObject,
} from 'jose'
import type { SessionAlgorithm } from '../session-algorithms.js'
import { KID } from './check-header.js'

/** A verification key given as a key object rather than a JWK; `kid` is how tokens name it. */
export type SessionKeyObject = {
  readonly kid: string
  readonly key: CryptoKey | KeyObject
  /** Pins the key to one algorithm (recommended for RSA keys, which fit RS* and PS*). */
  readonly alg?: SessionAlgorithm
}

/** A public verification key: a JWK with a `kid`, or a key object with one. */
export type SessionKey = JWK | SessionKeyObject

/** Remote JWKS settings of {@link sessions}. */
export type SessionJWKSOptions = {
  /** The JWKS URL: `https:`, or `http:` on a loopback host (or anywhere with `allowHTTP`). */
  url: string | URL
  /** Allows a plain `http:` URL on a non-loopback host (a private network). Default false. */
  allowHTTP?: boolean
  /**
   * Least time between two fetches caused by an unknown `kid`. Default 30 000 ms; at least
   * 1 000 ms: anyone can send a token naming a `kid` nobody published, so a shorter cooldown
   * lets every such request make the verifier fetch the key set.
   */
  cooldownMs?: number
  /** How long a fetched key set is used before it is fetched again. Default 600 000 ms. */
  cacheMaxAgeMs?: number
  /** Bound on one fetch. Default 5 000 ms. */
  timeoutMs?: number
  /**
   * After a failed fetch with no usable key set, how long requests are answered `503` at once
   * (the `Retry-After`) before the URL is tried again. Default 1 000 ms.
   */
  retryMs?: number
}

/**
 * Thrown by a key resolver when keys cannot be had (a JWKS fetch failed, timed out or returned
 * garbage): an infrastructure failure, answered `503 auth_unavailable`, never `401`.
 */
export class KeySourceUnavailableError extends Error {
  readonly retryAfterSeconds: number
  constructor(cause: unknown, retryAfterSeconds: number) {
    super('The key set is unavailable', { cause })
    this.name = 'KeySourceUnavailableError'
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/** The key errors that are about the token (no key, or several, has its `kid`), not the source. */
function isTokenKeyError(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys
  )
}

function isKeyObjectEntry(entry: SessionKey): entry is SessionKeyObject {
  return typeof entry === 'object' && entry !== null && 'key' in entry && !('kty' in entry)
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'priv'] as const

function checkJWK(jwk: JWK, name: string, label: string): JWK {
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string') {
    throw new TypeError(`${label}: ${name} must be a JWK or { kid, key }`)
  }
  if (jwk.kty === 'oct') {
    throw new TypeError(`${label}: ${name} is a symmetric key; only public keys are accepted`)
  }
  if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member))) {
    throw new TypeError(`${label}: ${name} is a private key; pass its public part`)
  }
  if (typeof jwk.kid !== 'string' || !KID.test(jwk.kid)) {
    throw new TypeError(`${label}: ${name} needs a kid of 1–128 characters [A-Za-z0-9._-]`)
  }
  return { ...jwk }
}

function checkKeyObject(entry: SessionKeyObject, name: string, label: string): SessionKeyObject {
  if (typeof entry.kid !== 'string' || !KID.test(entry.kid)) {
    throw new TypeError(`${label}: ${name}.kid must be 1–128 characters [A-Za-z0-9._-]`)
  }
  const type = (entry.key as { type?: unknown } | null)?.type
  if (type !== 'public') {
    throw new TypeError(`${label}: ${name}.key must be a public CryptoKey or KeyObject`)
  }
  return { ...entry }
}

/**
 * A resolver over a fixed set of public keys. JWKs are checked here, at start; key objects are
 * exported to JWKs once, at the first verification.
 *
 * @throws TypeError naming the bad key.
 */
export function localKeyResolver(
  keys: readonly SessionKey[],
  label = 'sessions()',
): JWTVerifyGetKey {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new TypeError(`${label}: keys must be a non-empty array`)
  }
  const jwks: JWK[] = []
  const objects: SessionKeyObject[] = []
  keys.forEach((entry: SessionKey, i) => {
    if (isKeyObjectEntry(entry)) objects.push(checkKeyObject(entry, `keys[${i}]`, label))
    else jwks.push(checkJWK(entry, `keys[${i}]`, label))
  })
  const build = (all: JWK[]) => {
    try {
      return createLocalJWKSet({ keys: all })
    } catch {
      throw new TypeError(`${label}: keys do not form a valid key set`)
    }
  }
  let pending: Promise<JWTVerifyGetKey> | undefined
  const load = (): JWTVerifyGetKey | Promise<JWTVerifyGetKey> => {
    if (objects.length === 0) return ready
    return (pending ??= Promise.all(
      objects.map(async ({ kid, key, alg }) => {
        const jwk = await exportJWK(key)
        return alg === undefined ? { ...jwk, kid } : { ...jwk, kid, alg }
      }),
    ).then((exported) => build([...jwks, ...exported])))
  }
  const ready = build(jwks)
  return async (header, token) => {
    try {
      const set = await load()
      return await set(header, token)
    } catch (error) {
      // A configured key that cannot be exported or imported is the operator's to fix: every
      // token naming it is answered 503, not 401, so the outage shows.
      if (isTokenKeyError(error)) throw error
      throw new KeySourceUnavailableError(error, 5)
    }
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

/** The shortest `jwks.cooldownMs` accepted: at most one fetch a second caused by unknown `kid`s. */
export const MIN_JWKS_COOLDOWN_MS = 1000

function checkMs(
  value: unknown,
  name: string,
  min: number,
  fallback: number,
  label: string,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    const why =
      name === 'cooldownMs'
        ? ' (a shorter cooldown lets any token naming an unknown kid cause a key set fetch)'
        : ''
    throw new TypeError(`${label}: jwks.${name} must be an integer ≥ ${min}${why}`)
  }
  return value
}

/**
 * A resolver over a remote JWKS through jose's `createRemoteJWKSet`: one fetch serves every
 * verification for `cacheMaxAgeMs`; a token whose `kid` is not in the set causes at most one
 * refetch per `cooldownMs`. Fetch failures become {@link KeySourceUnavailableError}.
 *
 * @throws TypeError for a bad option.
 */
export function remoteKeyResolver(
  options: SessionJWKSOptions,
  label = 'sessions()',
): JWTVerifyGetKey {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${label}: jwks must be an object with a url`)
  }
  let url: URL
  try {
    url = new URL(options.url)
  } catch {
    throw new TypeError(`${label}: jwks.url must be an absolute URL`)
  }
  if (url.username !== '' || url.password !== '') {
    throw new TypeError(`${label}: jwks.url must not carry credentials`)
  }
  const secure =
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && (LOOPBACK.test(url.hostname) || options.allowHTTP === true))
  if (!secure) {
    throw new TypeError(`${label}: jwks.url must be https: (http: only on loopback or allowHTTP)`)
  }
  const cooldownMs = checkMs(options.cooldownMs, 'cooldownMs', MIN_JWKS_COOLDOWN_MS, 30_000, label)
  const cacheMaxAgeMs = checkMs(options.cacheMaxAgeMs, 'cacheMaxAgeMs', 1, 600_000, label)
  const timeoutMs = checkMs(options.timeoutMs, 'timeoutMs', 1, 5_000, label)
  const retryMs = checkMs(options.retryMs, 'retryMs', 0, 1_000, label)
  const retryAfterSeconds = Math.max(1, Math.ceil(retryMs / 1000))
  const remote = createRemoteJWKSet(url, {
    cooldownDuration: cooldownMs,
    cacheMaxAge: cacheMaxAgeMs,
    timeoutDuration: timeoutMs,
  })
  let failedUntil = 0
  return async (header, token) => {
    // jose fetches again on every call while it holds no fresh set; during an outage that would
    // send every request to the JWKS endpoint: for `retryMs` after a failure, answer at once.
    if (!remote.fresh && Date.now() < failedUntil) {
      throw new KeySourceUnavailableError(undefined, retryAfterSeconds)
    }
    try {
      return await remote(header, token)
    } catch (error) {
      if (isTokenKeyError(error)) throw error
      failedUntil = Date.now() + retryMs
      throw new KeySourceUnavailableError(error, retryAfterSeconds)
    }
  }
}
