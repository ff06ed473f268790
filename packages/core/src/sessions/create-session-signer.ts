import { SignJWT, type CryptoKey, type JWK, type KeyObject } from 'jose'
import { isUUID } from '../lib/uuid.js'
import { isSessionAlgorithm, SESSION_TYP, type SessionAlgorithm } from './session-algorithms.js'
import { KID } from './lib/check-header.js'

/** Options of {@link createSessionSigner}. */
export type SessionSignerOptions = {
  /** The private key that signs: a private JWK, CryptoKey or Node `KeyObject`. */
  privateKey: CryptoKey | KeyObject | JWK
  /** Names the key in the JWKS. Default: the JWK's own `kid`. */
  kid?: string
  /** Default: the JWK's `alg`, else inferred from the key (Ed25519 → EdDSA, P-256 → ES256, …). */
  alg?: SessionAlgorithm
  /** `iss` of every session. */
  issuer: string
  /** `aud` of every session. */
  audience: string
  /** Lifetime of a session, in seconds, from 1 to 2 592 000 (30 days). Default 900. */
  ttlSec?: number
  /** `typ` header. Default `keygate-session+jwt`; must match the verifier's. */
  typ?: string
}

/** What {@link SessionSigner.sign} is given. */
export type SessionClaims = {
  /** The user id (UUID). */
  sub: string
  /** Scopes: a list, or one space-delimited string. Default none. */
  scope?: string | readonly string[]
  /** Session id (the denylist key). Default a random UUID. */
  jti?: string
  /** Overrides `ttlSec` for this session, within the same bounds. */
  ttlSec?: number
}

/** A signed session: the compact JWT, its id and its expiry (for the cookie and the denylist). */
export type SignedSession = {
  readonly token: string
  readonly jti: string
  readonly expiresAt: Date
}

/** Signs sessions that {@link sessions} verifies. */
export type SessionSigner = {
  readonly kid: string
  readonly alg: SessionAlgorithm
  /** @throws TypeError for a `sub` that is not a UUID, or a malformed scope or `jti`. */
  sign(claims: SessionClaims): Promise<SignedSession>
}

const MAX_TTL_SEC = 30 * 24 * 3600
// RFC 6749 §3.3 scope-token.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/
const CURVES: Readonly<Record<string, SessionAlgorithm>> = {
  Ed25519: 'EdDSA',
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
}

function fail(message: string): never {
  throw new TypeError(`createSessionSigner(): ${message}`)
}

function isJWK(key: CryptoKey | KeyObject | JWK): key is JWK {
  return typeof (key as JWK).kty === 'string'
}

/** The algorithm a key implies, when it implies exactly one (RSA keys fit several). */
function inferAlg(key: CryptoKey | KeyObject | JWK): string | undefined {
  if (isJWK(key)) return key.alg ?? (key.crv === undefined ? undefined : CURVES[key.crv])
  const algorithm = (key as { algorithm?: { name?: string; namedCurve?: string } }).algorithm
  if (algorithm !== undefined) {
    if (algorithm.name === 'Ed25519') return 'EdDSA'
    return algorithm.name === 'ECDSA' ? CURVES[algorithm.namedCurve ?? ''] : undefined
  }
  const node = key as { asymmetricKeyType?: string; asymmetricKeyDetails?: { namedCurve?: string } }
  if (node.asymmetricKeyType === 'ed25519') return 'EdDSA'
  return node.asymmetricKeyType === 'ec'
    ? CURVES[node.asymmetricKeyDetails?.namedCurve ?? '']
    : undefined
}

function checkTtl(value: unknown, name: string): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_TTL_SEC) {
    fail(`${name} must be an integer from 1 to ${MAX_TTL_SEC}`)
  }
  return value as number
}

function scopeClaim(scope: SessionClaims['scope']): string {
  const list = scope === undefined ? [] : typeof scope === 'string' ? scope.split(' ') : [...scope]
  const tokens = list.filter((s) => s !== '')
  for (const token of tokens) {
    if (typeof token !== 'string' || !SCOPE_TOKEN.test(token)) fail('scope holds an invalid scope')
  }
  return tokens.join(' ')
}

/**
 * Creates the signer the token service issues sessions with, so that issuing and verifying agree
 * on `typ`, claims and algorithm. Sessions carry `iss`, `aud`, `sub`, `iat`, `exp`, `jti` and,
 * when not empty, `scope` (space-delimited); the header carries `alg`, `kid` and `typ`.
 *
 * Rotation: publish the new public key in the JWKS first, wait at least the verifiers'
 * `cacheMaxAgeMs`, then sign with it; keep the old public key published until the last session
 * signed with it has expired (`ttlSec`).
 *
 * @throws TypeError at creation for a bad option (a public or symmetric key, no `kid`, …).
 * @example
 * ```ts
 * const signer = createSessionSigner({ privateKey: jwk, issuer, audience, ttlSec: 900 })
 * const { token, jti, expiresAt } = await signer.sign({ sub: user.id, scope: ['tokens:read'] })
 * ```
 */
export function createSessionSigner(options: SessionSignerOptions): SessionSigner {
  if (options === null || typeof options !== 'object' || options.privateKey == null) {
    fail('privateKey is required')
  }
  const key = options.privateKey
  if (isJWK(key)) {
    if (key.kty === 'oct') fail('privateKey must be an asymmetric private key')
    if (typeof key.d !== 'string') fail('privateKey must be a private JWK (with "d")')
  } else if ((key as { type?: unknown }).type !== 'private') {
    fail('privateKey must be a private CryptoKey or KeyObject')
  }
  const kid = options.kid ?? (isJWK(key) ? key.kid : undefined)
  if (typeof kid !== 'string' || !KID.test(kid)) {
    fail('kid must be 1–128 characters [A-Za-z0-9._-]')
  }
  const alg = options.alg ?? inferAlg(key)
  if (!isSessionAlgorithm(alg)) {
    fail('alg must be an asymmetric JWS algorithm (give it for RSA keys)')
  }
  for (const name of ['issuer', 'audience'] as const) {
    if (typeof options[name] !== 'string' || options[name] === '') {
      fail(`${name} must be a non-empty string`)
    }
  }
  const { issuer, audience } = options
  const typ = options.typ ?? SESSION_TYP
  if (typeof typ !== 'string' || typ === '') fail('typ must be a non-empty string')
  const ttlSec = checkTtl(options.ttlSec ?? 900, 'ttlSec')

  return {
    kid,
    alg,
    async sign(claims) {
      if (claims === null || typeof claims !== 'object' || !isUUID(claims.sub)) {
        fail('sub must be a user id (UUID)')
      }
      const scope = scopeClaim(claims.scope)
      const jti = claims.jti ?? crypto.randomUUID()
      if (typeof jti !== 'string' || jti === '' || jti.length > 128) {
        fail('jti must be a string of 1 to 128 characters')
      }
      const ttl = claims.ttlSec === undefined ? ttlSec : checkTtl(claims.ttlSec, 'ttlSec')
      const now = Math.floor(Date.now() / 1000)
      const exp = now + ttl
      const token = await new SignJWT(scope === '' ? {} : { scope })
        .setProtectedHeader({ alg, kid, typ })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(claims.sub.toLowerCase())
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .setJti(jti)
        .sign(key)
      return Object.freeze({ token, jti, expiresAt: new Date(exp * 1000) })
    },
  }
}
