/** One secret valid now, with an optional label (`current`, `pending`, `previous`, …). */
export type Secret = {
  readonly value: string
  readonly label?: string | undefined
  /** Principal subject when this secret matches (one secret per calling service). */
  readonly subject?: string | undefined
}

/** Options passed to {@link SecretSource.load}. */
export type SecretLoadOptions = {
  /** Aborted when the cache's timeout passes. */
  signal: AbortSignal
}

/**
 * Where shared secrets come from (SPEC §4). `load` yields the set valid *now*; an empty set means
 * "unset" (a configuration state), a thrown error means the source failed (an outage).
 *
 * @example
 * ```ts
 * const source: SecretSource = { name: 'static', load: async () => [{ value: 's3cret' }] }
 * ```
 */
export type SecretSource = {
  /** For logs and metrics; never contains a secret. */
  readonly name: string
  load(options: SecretLoadOptions): Promise<readonly Secret[]>
  /** Optional push notification of a change: the cache then reloads on the next request. */
  subscribe?(onChange: () => void): () => void
}

/**
 * The error sources throw for their own failures. Its message is written to be safe to log
 * (a path, an id, a reason), never the secret or a payload.
 */
export class SecretSourceError extends Error {
  readonly safeMessage = true
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SecretSourceError'
    this.code = code
  }
}
