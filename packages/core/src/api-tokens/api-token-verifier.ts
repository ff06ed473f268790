/**
 * What the `apiTokens` strategy knows of a token found by its digest. The token service's store
 * provides it locally; a remote verifier can provide it through introspection.
 */
export type VerifiedAPIToken = {
  /** Public id, `tok_…`. */
  readonly id: string
  /** The owner's id: the principal's `subject`. */
  readonly userId: string
  readonly scopes: readonly string[]
  readonly expiresAt: Date
  readonly revokedAt: Date | null
  readonly userDisabled: boolean
  /**
   * Set when the digest matched a rotated token's *previous* secret: when that secret stops
   * working. The strategy refuses it from then on and never caches it past that time.
   */
  readonly graceUntil?: Date | null | undefined
}

/**
 * The one storage call the `apiTokens` strategy makes: find a token by its digest, revoked and
 * expired ones included (the strategy decides). Throwing (or rejecting) means "unavailable"
 * (503), never "not found". A verifier may answer synchronously, as the SQLite store does: the
 * strategy then verifies a cache miss without a promise or a tick.
 *
 * @example
 * ```ts
 * const verifier: APITokenVerifier = {
 *   async findByDigest(digest, now) {
 *     const found = await store.tokens.findByDigest(digest, now)
 *     return found && { ...found.token, userDisabled: found.user.disabled }
 *   },
 * }
 * ```
 */
export type APITokenVerifier = {
  /**
   * `context.token` is the presented token itself, for a verifier that must show it to someone
   * (the remote one sends it to the token service's introspection endpoint); a local store
   * looks up by `digest` and ignores it. Never log or keep it.
   */
  findByDigest(
    digest: string,
    now: Date,
    context: { readonly token: string },
  ): VerifiedAPIToken | undefined | Promise<VerifiedAPIToken | undefined>
  /**
   * Optional: called once by `apiTokens` with its cache hooks, for a verifier that learns of
   * revocations on its own (the remote one) and must drop the strategy's cached answers too.
   */
  watch?(target: APITokenCacheTarget): void
}

/** The cache hooks of an `apiTokens` strategy, as handed to {@link APITokenVerifier.watch}. */
export type APITokenCacheTarget = {
  invalidate(tokenId: string): void
  invalidateAll(): void
}
