import type { SessionStore } from '../store/types.js'

/** What a live session grants: its owner and the owner's role now. */
export type SessionState = { readonly userId: string; readonly role: string }

/** Options of {@link createSessionRegistry}. */
export type SessionRegistryOptions = {
  store: SessionStore
  /**
   * How long a live session is trusted without asking the store, in ms (0: ask every time). This
   * bounds how late another instance sees a logout or a disabled user. Ended sessions are
   * remembered regardless: an ending is permanent.
   */
  cacheTtlMs: number
  /** Most sessions remembered. */
  maxEntries: number
  /** Sessions are deleted this long after they expire, in ms. Default 60 000. */
  retainMs?: number
  /** Least time between two clean-ups on one instance, in ms. Default 600 000. */
  pruneIntervalMs?: number
  now?: () => Date
}

/** Issued sessions: recorded at login, ended at logout or when their user is disabled. */
export type SessionRegistry = {
  record(input: { id: string; userId: string; expiresAt: Date }): Promise<void>
  /**
   * The owner and role of a live session, or `undefined` when it has ended (logged out, its user
   * disabled or deleted) or was never issued here.
   *
   * @throws whatever the store throws (the caller answers `503 auth_unavailable`).
   */
  check(id: string): Promise<SessionState | undefined>
  /** Ends one session (logout). True when this call ended it. */
  end(id: string): Promise<boolean>
  /** Ends every session of a user (user disabled). Returns how many. */
  endAllForUser(userId: string): Promise<number>
  /** Deletes expired sessions, at most once per `pruneIntervalMs`. Returns how many. */
  prune(): Promise<number>
  /**
   * Drops what this instance remembers of one session, of a user's sessions, or of all, so the
   * next request asks the store: for revocations and role changes made on another instance
   * (the revocation bus) or outside the registry.
   */
  forget(id: string): void
  forgetUser(userId: string): void
  forgetAll(): void
}

type Entry = { state: SessionState | undefined; until: number }

const ENDED_TTL_MS = 3_600_000

/**
 * The session allow-list behind the `sessions` strategy of the token service: a JWT verifies
 * offline, but the token service also asks whether it is still live, so that logout and a
 * disabled user take effect before the JWT expires.
 *
 * @example
 * ```ts
 * const registry = createSessionRegistry({ store: store.sessions, cacheTtlMs: 5000, maxEntries: 10_000 })
 * await registry.record({ id: jti, userId: user.id, expiresAt })
 * ```
 */
export function createSessionRegistry(options: SessionRegistryOptions): SessionRegistry {
  const { store, cacheTtlMs, maxEntries } = options
  const retainMs = options.retainMs ?? 60_000
  const pruneIntervalMs = options.pruneIntervalMs ?? 600_000
  const now = options.now ?? (() => new Date())
  const cache = new Map<string, Entry>()
  let lastPrune = Number.NEGATIVE_INFINITY

  function remember(id: string, state: SessionState | undefined): void {
    if (maxEntries <= 0) return
    if (state !== undefined && cacheTtlMs <= 0) return
    cache.delete(id)
    if (cache.size >= maxEntries) {
      // Oldest first (Map keeps insertion order).
      const oldest = cache.keys().next().value
      if (oldest !== undefined) cache.delete(oldest)
    }
    cache.set(id, {
      state,
      until: now().getTime() + (state === undefined ? ENDED_TTL_MS : cacheTtlMs),
    })
  }

  return {
    async record(input) {
      await store.create(input)
    },

    async check(id) {
      const held = cache.get(id)
      if (held !== undefined) {
        if (held.until > now().getTime()) return held.state
        cache.delete(id)
      }
      const found = await store.find(id)
      const live =
        found !== undefined &&
        found.session.revokedAt === null &&
        !found.user.disabled &&
        found.session.expiresAt.getTime() > now().getTime()
      const state = live ? { userId: found.user.id, role: found.user.role } : undefined
      remember(id, state)
      return state
    },

    async end(id) {
      const ended = await store.revoke(id, now())
      remember(id, undefined)
      return ended
    },

    async endAllForUser(userId) {
      const count = await store.revokeAllForUser(userId, now())
      const lower = userId.toLowerCase()
      for (const [id, entry] of cache) {
        if (entry.state?.userId === lower) {
          cache.set(id, { state: undefined, until: now().getTime() + ENDED_TTL_MS })
        }
      }
      return count
    },

    forget(id) {
      cache.delete(id)
    },

    forgetUser(userId) {
      const lower = userId.toLowerCase()
      for (const [id, entry] of cache) if (entry.state?.userId === lower) cache.delete(id)
    },

    forgetAll() {
      cache.clear()
    },

    async prune() {
      const at = now().getTime()
      if (at - lastPrune < pruneIntervalMs) return 0
      lastPrune = at
      return store.deleteExpired(new Date(at - retainMs))
    },
  }
}
