/**
 * What a revocation names: public ids only, never a token, digest or secret.
 *
 * - `token`: one token was revoked or rotated; drop it from the verification cache.
 * - `user`: a user was disabled or lost scopes; their tokens may be anywhere in the cache.
 * - `all`: drop everything (a bulk change, or a message this release does not understand).
 */
export type Revocation =
  | { readonly kind: 'token'; readonly tokenId: string }
  | { readonly kind: 'user'; readonly userId: string }
  | { readonly kind: 'all' }

/** Receives what a {@link RevocationBus} delivers. Every member is optional. */
export type RevocationListener = {
  /** A revocation published by another instance. */
  revoked?(revocation: Revocation): void
  /** Subscribed (at start, or again after an outage): anything published meanwhile was missed. */
  connected?(): void
  /** The subscription is lost: revocations are missed until `connected`. */
  disconnected?(): void
}

/**
 * Carries revocations between the instances of one deployment (SPEC §5: revocation takes effect
 * on every instance within a documented bound). Delivery is at most once: a listener must treat
 * `connected` after an outage as "something may have been missed". An instance never receives
 * its own revocations.
 *
 * @example
 * ```ts
 * const bus = createRedisRevocationBus({ client: redis, channel: 'keygate:revocations' })
 * bus.subscribe({ revoked: (r) => r.kind === 'token' && strategy.invalidate(r.tokenId) })
 * await bus.start()
 * await bus.publish({ kind: 'token', tokenId: 'tok_…' })
 * ```
 */
export type RevocationBus = {
  /** `redis` or `postgres`, for logs and `/ready`. */
  readonly kind: string
  /** Whether the bus is subscribed right now. */
  readonly connected: boolean
  /** Adds a listener (run in the order added); returns a function that removes it. */
  subscribe(listener: RevocationListener): () => void
  /**
   * Connects and subscribes. Resolves `true` once subscribed, `false` on the first failure; it
   * keeps reconnecting in the background either way until `close()`.
   */
  start(): Promise<boolean>
  /** Sends one revocation to every other instance. Rejects when it could not be sent. */
  publish(revocation: Revocation): Promise<void>
  /** Unsubscribes and releases the bus's own connection. */
  close(): Promise<void>
}
