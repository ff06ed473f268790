/**
 * The request header that carries a gateway assertion from `keygate proxy` (or any gateway that
 * signs with the token service's keys) to the upstream.
 */
export const ASSERTION_HEADER = 'keygate-assertion'

/**
 * The `typ` header of gateway assertions (RFC 8725 §3.11 explicit typing). Sessions carry
 * `keygate-session+jwt`: neither can be replayed as the other, though both are signed with the
 * same keys.
 */
export const ASSERTION_TYP = 'keygate-assertion+jwt'

/** Longest lifetime of an assertion (`exp - iat`), in seconds (SPEC §8). */
export const MAX_ASSERTION_TTL_SEC = 60

/** How the gateway authenticated the caller it names (the `via` claim). */
export type AssertionVia = 'api-token' | 'session'

/** The claims of a gateway assertion beyond the registered ones. */
export type AssertionClaims = {
  /** The user id (UUID). */
  readonly sub: string
  /** Scopes the caller holds, space-delimited in the JWT (RFC 6749 §3.3). */
  readonly scope: readonly string[]
  /** Public id of the credential the caller presented to the gateway (`tok_…`, a session id). */
  readonly token_id?: string
  /** How the gateway authenticated the caller. */
  readonly via: AssertionVia
}
