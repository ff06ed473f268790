import type { Store, TokenStore } from './types.js'

/** Options of {@link createLastUsedRecorder}. */
export type LastUsedRecorderOptions = {
  /** The store (or its `tokens`) whose `touchLastUsed` receives the batches. */
  store: Store | Pick<TokenStore, 'touchLastUsed'>
  /** How often pending uses are written. Default 5000 ms. */
  flushIntervalMs?: number
  /** Most tokens per write (one statement each); reaching it starts a flush early. Default 1000. */
  maxBatch?: number
  /** Receives a failed background flush's error (the uses are kept and retried). */
  onError?: (error: unknown) => void
}

/** Collects token uses in memory and writes them in batches (SPEC §5). */
export type LastUsedRecorder = {
  /** Notes a use; synchronous, never throws, never does I/O. Latest time per token wins. */
  record(tokenId: string, at: Date): void
  /** Writes everything pending now. Rejects when the store fails (the uses are kept for later). */
  flush(): Promise<void>
  /** Stops the timer and writes what is pending; later `record` calls are ignored. */
  close(): Promise<void>
  /** Tokens waiting to be written. */
  readonly pending: number
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`createLastUsedRecorder(): ${name} must be a positive integer`)
  }
  return value
}

/**
 * Records when each API token was last used without a write per request: uses are deduplicated
 * in memory (one entry per token, the latest time) and written every `flushIntervalMs`, or as soon
 * as `maxBatch` tokens are pending, one `touchLastUsed` statement per batch. The timer is unref'd
 * (it never keeps the process alive): call `close()` at shutdown to write the tail.
 *
 * A failed write keeps its uses (newer ones win) for the next flush, up to 10 × `maxBatch`
 * tokens; beyond that the oldest are dropped — a last-used time is informational.
 *
 * @throws TypeError for a bad option.
 * @example
 * ```ts
 * const recorder = createLastUsedRecorder({ store })
 * const strategy = apiTokens({ store: verifier, onUse: recorder.record })
 * // at shutdown
 * await recorder.close()
 * ```
 */
export function createLastUsedRecorder(options: LastUsedRecorderOptions): LastUsedRecorder {
  if (options === null || typeof options !== 'object' || options.store == null) {
    throw new TypeError('createLastUsedRecorder(): store is required')
  }
  const target: Pick<TokenStore, 'touchLastUsed'> =
    'tokens' in options.store ? options.store.tokens : options.store
  if (typeof target.touchLastUsed !== 'function') {
    throw new TypeError('createLastUsedRecorder(): store must have touchLastUsed()')
  }
  const flushIntervalMs = positiveInteger(options.flushIntervalMs ?? 5000, 'flushIntervalMs')
  const maxBatch = positiveInteger(options.maxBatch ?? 1000, 'maxBatch')
  const maxPending = maxBatch * 10
  const onError = options.onError ?? (() => {})

  let pending = new Map<string, Date>()
  let running: Promise<void> = Promise.resolve()
  let closed = false
  // An early (maxBatch) flush is under way, or the last write failed: wait for the timer.
  let holdEarly = false

  // The id inserted last: it is already at the end, so a token used again and again (the common
  // case, on every request) updates its time in place without a delete and an insert.
  let last: string | undefined

  function keep(id: string, at: Date): void {
    const seen = pending.get(id)
    if (seen !== undefined && at.getTime() <= seen.getTime()) return
    // Re-inserting moves the id to the end: the oldest uses are the first dropped.
    if (id !== last || seen === undefined) {
      pending.delete(id)
      last = id
    }
    pending.set(id, at)
  }

  async function drain(): Promise<void> {
    while (pending.size > 0) {
      const batch: { id: string; at: Date }[] = []
      for (const [id, at] of pending) {
        batch.push({ id, at })
        if (batch.length === maxBatch) break
      }
      for (const { id } of batch) pending.delete(id)
      try {
        await target.touchLastUsed(batch)
      } catch (error) {
        const newer = pending
        pending = new Map()
        for (const { id, at } of batch) keep(id, at)
        for (const [id, at] of newer) keep(id, at)
        while (pending.size > maxPending) pending.delete(pending.keys().next().value as string)
        throw error
      }
    }
  }

  function flush(): Promise<void> {
    // One flush at a time, in order: a flush asked for during another runs after it.
    const next = running.then(drain)
    running = next.catch(() => {})
    return next
  }

  function background(): void {
    flush().then(
      () => {
        holdEarly = false
      },
      (error: unknown) => {
        holdEarly = true
        onError(error)
      },
    )
  }

  const timer = setInterval(background, flushIntervalMs)
  timer.unref()

  return {
    record(tokenId, at) {
      if (closed) return
      keep(tokenId, at)
      if (pending.size >= maxBatch && !holdEarly) {
        holdEarly = true
        background()
      }
    },
    flush,
    async close() {
      if (closed) return running
      closed = true
      clearInterval(timer)
      await flush()
    },
    get pending() {
      return pending.size
    },
  }
}
