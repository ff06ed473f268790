/**
 * The one result of every successful authentication (SPEC §1).
 *
 * @example
 * ```ts
 * const p: Principal = { kind: 'service', subject: 'gateway', scopes: [], via: 'service-token' }
 * ```
 */
export type Principal = {
  readonly kind: 'service' | 'user'
  /** Service name or user id (UUID). */
  readonly subject: string
  readonly scopes: readonly string[]
  readonly via: 'service-token' | 'api-token' | 'session' | 'internal-token' | 'gateway-assertion'
  /** Set when a service acts on behalf of a user. */
  readonly actor?: { readonly kind: 'service'; readonly subject: string }
  /** Public id of the credential used, never the secret. */
  readonly tokenId?: string
  readonly expiresAt?: Date
}
