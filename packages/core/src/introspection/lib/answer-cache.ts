import type { VerifiedAPIToken } from '../../api-tokens/api-token-verifier.js'

/** One remembered answer: active (`value`) or inactive (`undefined`), with its two deadlines. */
export type Entry = {
  value: VerifiedAPIToken | undefined
  /** Served without asking again until then. */
  freshUntil: number
  /** Served while the token service is unreachable until then. */
  staleUntil: number
}

/**
 * The introspection answers of one verifier, least recently stored dropped first past `max`,
 * indexed by token id and by user so that a revocation drops every answer it makes stale.
 */
export type AnswerCache = {
  get(key: string): Entry | undefined
  set(key: string, entry: Entry): void
  drop(key: string): void
  /** Drops every answer for the token with this public id. */
  dropToken(tokenId: string): void
  /** Drops every answer for a token of this user. */
  dropUser(userId: string): void
  /** Drops everything, calls in flight included (their answers are not stored). */
  clear(): void
  /** The calls in flight, one per key, shared by every request waiting on it. */
  readonly inflight: Map<string, Promise<VerifiedAPIToken | undefined>>
  /**
   * Changes on every revocation and clear: a call that started under another generation may
   * predate a revocation, and its answer is not stored.
   */
  readonly generation: number
  /** Starts a new generation (a revocation arrived). */
  bump(): void
}

/** Creates the cache of at most `max` answers. */
export function createAnswerCache(max: number): AnswerCache {
  const entries = new Map<string, Entry>()
  const byToken = new Map<string, Set<string>>()
  const byUser = new Map<string, Set<string>>()
  const inflight = new Map<string, Promise<VerifiedAPIToken | undefined>>()
  let generation = 0

  function index(map: Map<string, Set<string>>, id: string, key: string): void {
    let keys = map.get(id)
    if (keys === undefined) map.set(id, (keys = new Set()))
    keys.add(key)
  }
  function unindex(key: string, entry: Entry): void {
    if (entry.value === undefined) return
    byToken.get(entry.value.id)?.delete(key)
    byUser.get(entry.value.userId)?.delete(key)
  }
  function drop(key: string): void {
    const entry = entries.get(key)
    if (entry === undefined) return
    entries.delete(key)
    unindex(key, entry)
  }
  function dropMany(map: Map<string, Set<string>>, id: string): void {
    const keys = map.get(id)
    map.delete(id)
    for (const key of keys ?? []) drop(key)
  }

  return {
    get: (key) => entries.get(key),
    set(key, entry) {
      drop(key)
      entries.set(key, entry)
      if (entry.value !== undefined) {
        index(byToken, entry.value.id, key)
        index(byUser, entry.value.userId, key)
      }
      while (entries.size > max) drop(entries.keys().next().value as string)
    },
    drop,
    dropToken: (tokenId) => dropMany(byToken, tokenId),
    dropUser: (userId) => dropMany(byUser, userId),
    clear() {
      generation++
      entries.clear()
      byToken.clear()
      byUser.clear()
      inflight.clear()
    },
    inflight,
    get generation() {
      return generation
    },
    bump() {
      generation++
    },
  }
}
