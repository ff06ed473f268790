import { decodeProtectedHeader } from 'jose'
import { InvalidTokenError } from '../../errors.js'

// JWS Compact Serialization (RFC 7515 §7.1): three base64url segments. The signature may be
// empty (`alg: none`): such a token is still recognised, and refused.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

// A `kid` is looked up in a key set, never used as a path, a URL or a query; still, anything
// beyond a short, plain identifier is refused before any lookup.
export const KID = /^[A-Za-z0-9._-]{1,128}$/

/**
 * Header parameters that make a verifier fetch or trust key material named by the token itself
 * (RFC 8725 §3.10), or that demand extensions (`crit`, RFC 7515 §4.1.11) we do not implement.
 */
const REFUSED = ['jku', 'jwk', 'x5u', 'x5c', 'crit'] as const

/** True when `value` has the shape of a JWS in compact serialisation. */
export function isCompactJWS(value: string): boolean {
  return COMPACT_JWS.test(value)
}

/**
 * Decodes and checks the protected header before any key lookup or signature check: the
 * algorithm is on the allow-list, the `kid` is a plain identifier, and no header names key
 * material. Every refusal is `invalid_token` with a fixed detail that never quotes the token.
 *
 * @throws InvalidTokenError
 */
export function checkHeader(
  token: string,
  algorithms: ReadonlySet<string>,
): { alg: string; kid: string } {
  let header: Record<string, unknown>
  try {
    header = decodeProtectedHeader(token)
  } catch {
    throw new InvalidTokenError({ detail: 'The token is malformed' })
  }
  for (const name of REFUSED) {
    if (Object.hasOwn(header, name)) {
      throw new InvalidTokenError({ detail: `The token header must not carry "${name}"` })
    }
  }
  const { alg, kid } = header
  if (typeof alg !== 'string' || !algorithms.has(alg)) {
    throw new InvalidTokenError({ detail: 'The token algorithm is not allowed' })
  }
  if (kid === undefined) {
    throw new InvalidTokenError({ detail: 'The token names no key' })
  }
  if (typeof kid !== 'string' || !KID.test(kid)) {
    throw new InvalidTokenError({ detail: 'The token key id is not valid' })
  }
  return { alg, kid }
}
