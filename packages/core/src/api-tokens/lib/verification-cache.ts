import type { Principal } from '../../principal.js'
import type { VerifiedAPIToken } from '../api-token-verifier.js'

/**
 * One cached answer. `principal` is the principal built from `value` the first time it was
 * served, kept so that every later hit hands out the same frozen object instead of a new one.
 */
export type Entry = {
  readonly value: VerifiedAPIToken | undefined
  readonly expires: number
  principal?: Principal
}

/**
 * A bounded LRU of lookups by digest, with per-entry expiry and an index by token id so a
 * revocation can drop every digest of one token (a rotated token has two). `generation` moves on
 * every invalidation: a lookup that started before one must not store its (stale) answer.
 */
export class VerificationCache {
  readonly #max: number
  readonly #entries = new Map<string, Entry>()
  readonly #byToken = new Map<string, Set<string>>()
  /** The digest inserted last into `#entries`, i.e. the most recently used one. */
  // The entry used last, compared by identity: a digest is a fresh 64-character string on every
  // request, and comparing it with the last one would read both whole.
  #last: Entry | undefined
  generation = 0

  constructor(max: number) {
    this.#max = max
  }

  get size(): number {
    return this.#entries.size
  }

  get(digest: string, now: number): Entry | undefined {
    const entry = this.#entries.get(digest)
    if (entry === undefined) return undefined
    if (entry.expires <= now) {
      this.#entries.delete(digest)
      this.#unindex(digest, entry)
      return undefined
    }
    // Most recently used goes last; a token hit again and again (one client's keep-alive
    // connection) is already there, and skips the delete and insert.
    if (this.#last !== entry) {
      this.#entries.delete(digest)
      this.#entries.set(digest, entry)
      this.#last = entry
    }
    return entry
  }

  set(digest: string, value: VerifiedAPIToken | undefined, expires: number): void {
    const previous = this.#entries.get(digest)
    if (previous !== undefined) {
      this.#entries.delete(digest)
      this.#unindex(digest, previous)
    }
    const entry: Entry = { value, expires }
    this.#entries.set(digest, entry)
    this.#last = entry
    if (value !== undefined) {
      let digests = this.#byToken.get(value.id)
      if (digests === undefined) this.#byToken.set(value.id, (digests = new Set()))
      digests.add(digest)
    }
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string
      const entry = this.#entries.get(oldest)!
      this.#entries.delete(oldest)
      this.#unindex(oldest, entry)
    }
  }

  invalidate(tokenId: string): void {
    this.generation++
    const digests = this.#byToken.get(tokenId)
    if (digests === undefined) return
    this.#byToken.delete(tokenId)
    for (const digest of digests) this.#entries.delete(digest)
  }

  clear(): void {
    this.generation++
    this.#entries.clear()
    this.#byToken.clear()
  }

  #unindex(digest: string, entry: Entry): void {
    if (entry.value === undefined) return
    const digests = this.#byToken.get(entry.value.id)
    if (digests === undefined) return
    digests.delete(digest)
    if (digests.size === 0) this.#byToken.delete(entry.value.id)
  }
}
