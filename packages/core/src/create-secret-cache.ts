import { AuthUnavailableError } from './errors.js'
import { describeError, silentLogger, type Logger } from './logger.js'
import { sha256 } from './lib/crypto.js'
import { SecretSourceError, type SecretSource } from './sources/secret-source.js'

/** A secret held by the cache: its value (for outbound clients) and its SHA-256 digest. */
export type CachedSecret = {
  readonly value: string
  readonly digest: Uint8Array
  readonly label?: string | undefined
  readonly subject?: string | undefined
}

/** What the cache serves: the secrets valid now, and whether they are past their TTL. */
export type SecretSnapshot = {
  readonly secrets: readonly CachedSecret[]
  /** True when the source failed and these values are served past their TTL (within `maxStale`). */
  readonly stale: boolean
}

/** A refresh of the source, reported for metrics. Never carries a secret. */
export type SecretRefreshEvent = {
  source: string
  ok: boolean
  durationMs: number
  count?: number
}

/** Options of {@link createSecretCache}. */
export type SecretCacheOptions = {
  source: SecretSource
  /** How long a loaded set is served before the source is asked again. Default 30 s. */
  ttlMs?: number
  /** Fraction of the TTL removed at random, so instances do not refresh in step. Default 0.1. */
  jitter?: number
  /** How long past its TTL a set is still served while the source fails. Default 5 min. */
  maxStaleMs?: number
  /** Bound on one `load` call; the request waits no longer. Default 2 s. */
  timeoutMs?: number
  /**
   * After a failure, how long stale values are served before the source is tried again. Default
   * 1 s. Also the `Retry-After` of `auth_unavailable` answers (rounded up to seconds, at least 1).
   */
  retryMs?: number
  logger?: Logger
  onRefresh?: (event: SecretRefreshEvent) => void
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number
  /** Randomness for jitter, for tests. Default `Math.random`. */
  random?: () => number
}

/**
 * The one cache in front of every {@link SecretSource} (SPEC §4).
 *
 * @example
 * ```ts
 * const cache = createSecretCache({ source: env('KEYGATE_SERVICE_TOKEN'), ttlMs: 60_000 })
 * const { secrets } = await cache.get()
 * ```
 */
export type SecretCache = {
  readonly source: SecretSource
  /**
   * The secrets valid now. Fresh values come from memory; at expiry exactly one `load` runs
   * (single flight) and every concurrent caller waits for it.
   *
   * @throws AuthUnavailableError (`auth_unavailable`) when the source fails and nothing within
   *   `maxStale` is held, or has never loaded.
   */
  get(): Promise<SecretSnapshot>
  /** The held set when it is fresh, synchronously; `undefined` when `get` has work to do. */
  peek(): SecretSnapshot | undefined
  /** Forces a reload now (still single flight). Used by clients after a `401` (a rotation). */
  refresh(): Promise<SecretSnapshot>
  /** Marks the held set as expired; the next `get` reloads. */
  invalidate(): void
}

type Held = { snapshot: SecretSnapshot; expiresAt: number }

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`createSecretCache(): ${name} must be a finite number >= 0`)
  }
  return value
}

/**
 * Wraps a {@link SecretSource} in a TTL cache with jitter, single-flight refresh, bounded
 * staleness on failure and a fail-closed answer (`503 auth_unavailable`) when nothing valid can
 * be served. A failure is never turned into "no secrets" (which would read as unset).
 *
 * @throws TypeError when an option is invalid.
 * @example
 * ```ts
 * const cache = createSecretCache({ source: file('/run/secrets/service-token'), maxStaleMs: 600_000 })
 * ```
 */
export function createSecretCache(options: SecretCacheOptions): SecretCache {
  const source = options.source
  if (source === null || typeof source !== 'object' || typeof source.load !== 'function') {
    throw new TypeError('createSecretCache(): source must be a SecretSource')
  }
  const ttlMs = positive('ttlMs', options.ttlMs, 30_000)
  const jitter = positive('jitter', options.jitter, 0.1)
  if (jitter > 1) throw new TypeError('createSecretCache(): jitter must be between 0 and 1')
  const maxStaleMs = positive('maxStaleMs', options.maxStaleMs, 300_000)
  const timeoutMs = positive('timeoutMs', options.timeoutMs, 2_000)
  const retryMs = positive('retryMs', options.retryMs, 1_000)
  const logger = options.logger ?? silentLogger
  const now = options.now ?? (() => Date.now())
  const random = options.random ?? Math.random

  let held: Held | undefined
  let inflight: Promise<SecretSnapshot> | undefined
  let lastFailureAt: number | undefined
  let lastFailure: SecretSourceError | undefined
  let subscribed = false
  // Bumped by invalidate(): a load that started before an invalidation may have read the old
  // values, so what it returns is served but not trusted for a full TTL.
  let generation = 0
  const retryAfterSeconds = Math.max(1, Math.ceil(retryMs / 1000))

  // The cause kept on AuthUnavailableError must be safe to log: a source's own error text can
  // quote its payload (a JSON parser quoting the secret, say), so only a SecretSourceError's
  // message is kept, and never its nested cause.
  function safeCause(error: unknown): SecretSourceError {
    if (error instanceof SecretSourceError) return new SecretSourceError(error.code, error.message)
    const name = error instanceof Error ? error.name : typeof error
    return new SecretSourceError('source_failed', `secret source ${source.name} failed (${name})`)
  }

  function serveStale(at: number): SecretSnapshot {
    if (held !== undefined && at - held.expiresAt <= maxStaleMs) {
      return held.snapshot.stale ? held.snapshot : { secrets: held.snapshot.secrets, stale: true }
    }
    throw new AuthUnavailableError({ cause: lastFailure, retryAfterSeconds })
  }

  function notify(event: SecretRefreshEvent): void {
    try {
      options.onRefresh?.(event)
    } catch (error) {
      logger.error(describeError(error), 'keygate: onRefresh hook threw')
    }
  }

  async function loadWithTimeout(): Promise<Awaited<ReturnType<SecretSource['load']>>> {
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort()
        reject(new SecretSourceError('timeout', `secret source timed out after ${timeoutMs} ms`))
      }, timeoutMs)
    })
    try {
      return await Promise.race([source.load({ signal: controller.signal }), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  async function reload(): Promise<SecretSnapshot> {
    const started = now()
    const startedGeneration = generation
    let snapshot: SecretSnapshot
    try {
      const loaded = await loadWithTimeout()
      if (!Array.isArray(loaded)) {
        throw new SecretSourceError(
          'malformed',
          'secret source returned something other than a list',
        )
      }
      const secrets: CachedSecret[] = []
      for (const secret of loaded as readonly unknown[]) {
        const value = (secret as { value?: unknown } | null)?.value
        if (typeof value !== 'string') {
          throw new SecretSourceError('malformed', 'secret source returned a non-string secret')
        }
        // An empty secret could only ever be matched by an empty credential; never hold one.
        if (value === '') continue
        const { label, subject } = secret as { label?: unknown; subject?: unknown }
        if (subject !== undefined && (typeof subject !== 'string' || subject === '')) {
          throw new SecretSourceError('malformed', 'secret source returned an invalid subject')
        }
        secrets.push({
          value,
          digest: await sha256(value),
          label: typeof label === 'string' ? label : undefined,
          subject,
        })
      }
      // Once secrets were configured, an empty read is a file caught half-written (truncated,
      // then written) or a source in trouble, not a decision to unset them: a failed load, so
      // the stale rules apply and the next try comes after retryMs, not after a whole TTL.
      // Going from configured to unset takes a restart.
      if (secrets.length === 0 && held !== undefined && held.snapshot.secrets.length > 0) {
        throw new SecretSourceError('empty', `secret source ${source.name} returned no secret`)
      }
      snapshot = { secrets, stale: false }
    } catch (error) {
      const at = now()
      lastFailureAt = at
      lastFailure = safeCause(error)
      notify({ source: source.name, ok: false, durationMs: at - started })
      logger.warn(
        { source: source.name, ...describeError(error), stale: held !== undefined },
        'keygate: secret source failed',
      )
      return serveStale(at)
    }
    const at = now()
    const invalidated = generation !== startedGeneration
    held = {
      snapshot,
      expiresAt: invalidated ? at : at + ttlMs - ttlMs * jitter * random(),
    }
    lastFailureAt = undefined
    lastFailure = undefined
    notify({
      source: source.name,
      ok: true,
      durationMs: at - started,
      count: snapshot.secrets.length,
    })
    return snapshot
  }

  function startReload(): Promise<SecretSnapshot> {
    inflight ??= reload().finally(() => {
      inflight = undefined
    })
    return inflight
  }

  function subscribe(): void {
    subscribed = true
    try {
      source.subscribe?.(() => cache.invalidate())
    } catch (error) {
      // Without push notifications the TTL still picks up changes.
      logger.warn({ source: source.name, ...describeError(error) }, 'keygate: cannot subscribe')
    }
  }

  const cache: SecretCache = {
    source,
    peek() {
      return held !== undefined && subscribed && now() < held.expiresAt ? held.snapshot : undefined
    },
    get() {
      if (!subscribed) subscribe()
      const at = now()
      if (held !== undefined && at < held.expiresAt) return Promise.resolve(held.snapshot)
      if (inflight !== undefined) return inflight
      // During an outage, do not hammer the source: serve what is still within maxStale.
      if (lastFailureAt !== undefined && at - lastFailureAt < retryMs) {
        return new Promise((resolve) => resolve(serveStale(at)))
      }
      return startReload()
    },
    refresh() {
      if (!subscribed) subscribe()
      return startReload()
    },
    invalidate() {
      generation++
      if (held !== undefined) held = { ...held, expiresAt: Math.min(held.expiresAt, now()) }
      lastFailureAt = undefined
    },
  }
  return cache
}
