import { createAssertionSigner, type AssertionSigner, type Principal } from '@keygate/core'
import type { SigningKeyring } from '../sessions/signing-keyring.js'

/** Options of {@link createAssertionIssuer}. */
export type AssertionIssuerOptions = {
  /** The session keyring: assertions are signed with the keys `/.well-known/jwks.json` publishes. */
  keyring: Pick<SigningKeyring, 'signingKey'>
  /** `iss` of every assertion (`sessions.issuer`). */
  issuer: string
  /** Lifetime, in seconds (1–60). */
  ttlSeconds: number
}

/** Signs `Keygate-Assertion` JWTs for principals this instance has authenticated. */
export type AssertionIssuer = {
  /** @throws when the principal is not a user authenticated by API token or session. */
  issue(principal: Principal, audience: string): Promise<string>
}

/**
 * Gateway assertions (SPEC §8) signed with the session keyring, so they rotate with it: the key
 * that signs sessions now signs assertions, and verifiers find it in the same JWKS. `typ` keeps
 * the two apart (`keygate-assertion+jwt`).
 *
 * @example
 * ```ts
 * const assertions = createAssertionIssuer({ keyring, issuer: 'https://auth.example.com', ttlSeconds: 30 })
 * const jwt = await assertions.issue(principal, 'https://api.internal')
 * ```
 */
export function createAssertionIssuer(options: AssertionIssuerOptions): AssertionIssuer {
  const { keyring, issuer, ttlSeconds } = options
  let current: AssertionSigner | undefined

  async function signer(): Promise<AssertionSigner> {
    const key = await keyring.signingKey()
    if (current === undefined || current.kid !== key.kid) {
      current = createAssertionSigner({
        privateKey: key.privateJwk,
        kid: key.kid,
        alg: key.alg,
        issuer,
        ttlSec: ttlSeconds,
      })
    }
    return current
  }

  return {
    async issue(principal, audience) {
      if (
        principal.kind !== 'user' ||
        (principal.via !== 'api-token' && principal.via !== 'session')
      ) {
        throw new TypeError(
          'assertions are issued only for users authenticated by API token or session',
        )
      }
      return (await signer()).sign({
        audience,
        sub: principal.subject,
        scopes: principal.scopes,
        tokenId: principal.tokenId,
        via: principal.via,
      })
    },
  }
}
