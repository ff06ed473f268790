import { base64url, SignJWT, type CryptoKey, type JWK, type KeyObject } from 'jose'
import { isUUID } from '../lib/uuid.js'
import { nativeSigner } from './lib/native-signer.js'
import { KID } from '../sessions/lib/check-header.js'
import { isSessionAlgorithm, type SessionAlgorithm } from '../sessions/session-algorithms.js'
import { ASSERTION_TYP, MAX_ASSERTION_TTL_SEC, type AssertionVia } from './assertion-format.js'

/** Options of {@link createAssertionSigner}. */
export type AssertionSignerOptions = {
  /** The private key that signs: a private JWK (with `kid` and `alg`), CryptoKey or KeyObject. */
  privateKey: CryptoKey | KeyObject | JWK
  /** Names the key in the JWKS. Default: the JWK's own `kid`. */
  kid?: string
  /** Default: the JWK's `alg`. Required for a key object. */
  alg?: SessionAlgorithm
  /** `iss` of every assertion: the token service. */
  issuer: string
  /** Lifetime in seconds, from 1 to 60. Default 30. */
  ttlSec?: number
}

/** What {@link AssertionSigner.sign} is given. */
export type AssertionInput = {
  /** The upstream's origin, or a configured audience. */
  audience: string
  /** The user id (UUID). */
  sub: string
  scopes: readonly string[]
  tokenId?: string | undefined
  via: AssertionVia
}

/** Signs the `Keygate-Assertion` that {@link gatewayAssertion} verifies. */
export type AssertionSigner = {
  readonly kid: string
  readonly alg: SessionAlgorithm
  /** @throws TypeError for a `sub` that is not a UUID, or a malformed scope, audience or via. */
  sign(input: AssertionInput): Promise<string>
}

// RFC 6749 §3.3 scope-token.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

function fail(message: string): never {
  throw new TypeError(`createAssertionSigner(): ${message}`)
}

/**
 * Creates the signer of gateway assertions (SPEC §8): a JWT with `typ: keygate-assertion+jwt`,
 * `alg` and `kid` in the header, and `iss`, `aud`, `sub`, `scope`, `token_id`, `via`, `jti`, `iat`
 * and `exp` (at most 60 s after `iat`). The token service signs with its session keyring, so
 * the keys are the ones in `/.well-known/jwks.json`.
 *
 * @throws TypeError at creation for a bad option (a public or symmetric key, a TTL over 60 s, …).
 * @example
 * ```ts
 * const signer = createAssertionSigner({ privateKey: jwk, issuer: 'https://auth.example.com' })
 * const jwt = await signer.sign({ audience: 'https://api.internal', sub: user.id, scopes, via: 'api-token' })
 * ```
 */
export function createAssertionSigner(options: AssertionSignerOptions): AssertionSigner {
  if (options === null || typeof options !== 'object' || options.privateKey == null) {
    fail('privateKey is required')
  }
  const key = options.privateKey
  const jwk = typeof (key as JWK).kty === 'string' ? (key as JWK) : undefined
  if (jwk !== undefined) {
    if (jwk.kty === 'oct') fail('privateKey must be an asymmetric private key')
    if (typeof jwk.d !== 'string') fail('privateKey must be a private JWK (with "d")')
  } else if ((key as { type?: unknown }).type !== 'private') {
    fail('privateKey must be a private CryptoKey or KeyObject')
  }
  const kid = options.kid ?? jwk?.kid
  if (typeof kid !== 'string' || !KID.test(kid)) fail('kid must be 1–128 characters [A-Za-z0-9._-]')
  const alg = options.alg ?? jwk?.alg
  if (!isSessionAlgorithm(alg)) fail('alg must be an asymmetric JWS algorithm')
  if (typeof options.issuer !== 'string' || options.issuer === '') {
    fail('issuer must be a non-empty string')
  }
  const issuer = options.issuer
  const ttlSec = options.ttlSec ?? 30
  if (!Number.isInteger(ttlSec) || ttlSec < 1 || ttlSec > MAX_ASSERTION_TTL_SEC) {
    fail(`ttlSec must be an integer from 1 to ${MAX_ASSERTION_TTL_SEC}`)
  }

  const native = nativeSigner(key, alg)

  return {
    kid,
    alg,
    async sign(input) {
      if (input === null || typeof input !== 'object' || !isUUID(input.sub)) {
        fail('sub must be a user id (UUID)')
      }
      if (typeof input.audience !== 'string' || input.audience === '') {
        fail('audience must be a non-empty string')
      }
      if (input.via !== 'api-token' && input.via !== 'session') {
        fail("via must be 'api-token' or 'session'")
      }
      for (const scope of input.scopes) {
        if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))
          fail('scopes hold an invalid scope')
      }
      const now = Math.floor(Date.now() / 1000)
      const claims: Record<string, string | number> = {
        iss: issuer,
        aud: input.audience,
        sub: input.sub.toLowerCase(),
        scope: input.scopes.join(' '),
        via: input.via,
        ...(input.tokenId === undefined ? {} : { token_id: input.tokenId }),
        jti: crypto.randomUUID(),
        iat: now,
        exp: now + ttlSec,
      }
      const header = { alg, kid, typ: ASSERTION_TYP }
      // One assertion per proxied request: where node:crypto signs synchronously (tens of µs),
      // it does; Web Crypto's asynchronous sign costs a thread-pool round trip each time.
      if (native !== undefined) {
        const signingInput = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}`
        return `${signingInput}.${native(signingInput)}`
      }
      return new SignJWT(claims).setProtectedHeader(header).sign(key)
    },
  }
}
