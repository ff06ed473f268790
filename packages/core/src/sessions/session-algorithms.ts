/**
 * The asymmetric JWS algorithms a session may be signed with. Symmetric (`HS*`) and `none` are
 * never accepted: a verifier holds only public keys, and an HMAC keyed with a public key is the
 * classic algorithm-confusion forgery (RFC 8725 §2.1, §3.1).
 */
export const SESSION_ALGORITHMS = [
  'EdDSA',
  'Ed25519',
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
] as const

/** An algorithm a session may be signed with (see {@link SESSION_ALGORITHMS}). */
export type SessionAlgorithm = (typeof SESSION_ALGORITHMS)[number]

const KNOWN: ReadonlySet<string> = new Set(SESSION_ALGORITHMS)

/** True when `value` names one of {@link SESSION_ALGORITHMS}. */
export function isSessionAlgorithm(value: unknown): value is SessionAlgorithm {
  return typeof value === 'string' && KNOWN.has(value)
}

/**
 * The `typ` header of keygate sessions (RFC 8725 §3.11 explicit typing; the `application/`
 * prefix is omitted as RFC 7515 §4.1.9 recommends). Other keygate JWTs (gateway assertions) carry
 * another `typ`, so one can never be replayed as the other.
 */
export const SESSION_TYP = 'keygate-session+jwt'

/** Default allow-list of {@link sessions}. */
export const DEFAULT_SESSION_ALGORITHMS: readonly SessionAlgorithm[] = Object.freeze([
  'EdDSA',
  'ES256',
])
