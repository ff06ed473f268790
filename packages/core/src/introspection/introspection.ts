import { createSecretCache, type SecretCache } from '../create-secret-cache.js'
import { describeError, silentLogger, type Logger } from '../logger.js'
import type { SecretSource } from '../sources/secret-source.js'
import type {
  APITokenCacheTarget,
  APITokenVerifier,
  VerifiedAPIToken,
} from '../api-tokens/api-token-verifier.js'
import { createAnswerCache, type Entry } from './lib/answer-cache.js'
import { introspectToken } from './lib/introspect-call.js'
import { openRevocationStream, type Revocation } from './lib/revocation-stream.js'

/** Options of {@link introspection}. */
export type IntrospectionOptions = {
  /** The token service's base URL, e.g. `https://keygate.internal` (no trailing path needed). */
  url: string
  /** The service token (`KEYGATE_SERVICE_TOKEN` of the token service); its first secret is sent. */
  secret: SecretSource | SecretCache
  /** How long an active answer is trusted without asking again, in ms. Default 10 000. */
  ttlMs?: number
  /** How long an inactive answer is remembered, in ms (0: not at all). Default 1 000; ≤ `ttlMs`. */
  negativeTtlMs?: number
  /**
   * While the token service cannot be reached, an active answer is served this long past its
   * `ttlMs` (ms); after that, and for a token never seen, `503 auth_unavailable`. Default 300 000.
   */
  maxStaleMs?: number
  /** Most answers kept (least recently used dropped first). Default 10 000. */
  max?: number
  /** Bound on one introspection call, in ms (then it counts as unreachable). Default 2 000. */
  timeoutMs?: number
  /**
   * Subscribe to `GET /v1/auth/revocations` and drop answers as revocations arrive (default
   * true). Without it, a revocation takes effect within `ttlMs`.
   */
  stream?: boolean
  /** No byte on the stream for this long (ms) means it is dead: reconnect. Default 45 000. */
  streamIdleMs?: number
  /** First reconnection delay (ms), doubled up to `maxBackoffMs`, with jitter. Default 250. */
  backoffMs?: number
  /** Longest reconnection delay, in ms. Default 5 000. */
  maxBackoffMs?: number
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
  logger?: Logger
}

/** Counters of what the verifier did, for metrics and tests. */
export type IntrospectionStats = {
  /** Introspection calls made (each one HTTP request). */
  readonly calls: number
  /** Answers served stale while the token service was unreachable. */
  readonly stale: number
  /** Revocation events applied from the stream. */
  readonly events: number
  /** Whether the stream is connected and up to date now. */
  readonly streaming: boolean
}

/** The remote verifier: an {@link APITokenVerifier} for `apiTokens`, plus the session check. */
export type IntrospectionVerifier = APITokenVerifier & {
  /**
   * For `sessions({ isRevoked })`: whether the token service said this session ended (its
   * `jti`). Throws while the stream has been down longer than `maxStaleMs`, so the strategy
   * answers `503 auth_unavailable` rather than accepting a session it cannot check.
   */
  isRevoked(jti: string): boolean
  /** Drops every cached answer. */
  clear(): void
  readonly stats: IntrospectionStats
  /** Resolves once the stream is connected and up to date (never, with `stream: false`). */
  readonly ready: Promise<void>
  /** Stops the stream. */
  close(): void
}

const ENDED_SESSIONS_MAX = 100_000

function checkInt(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`introspection(): ${name} must be an integer ≥ ${min}`)
  }
  return value
}

function isCache(value: SecretSource | SecretCache): value is SecretCache {
  return typeof (value as SecretCache).get === 'function'
}

/**
 * Verifies keygate API tokens remotely, through the token service's introspection endpoint
 * (RFC 7662), for services that do not hold its database: plug it into `apiTokens` as the store,
 * in any adapter. Built on `fetch` only (no Node import), so it runs under Hono on any runtime.
 *
 * - Answers are cached by the token's digest and the token service's URL: active ones for
 *   `ttlMs` (never past the token's `exp`), inactive ones for `negativeTtlMs`.
 * - One introspection call per token at a time, however many requests wait on it; each call is
 *   bounded by `timeoutMs`.
 * - It holds `GET /v1/auth/revocations` open and drops answers as revocations arrive (and
 *   `apiTokens`' own cache with them); it reconnects with backoff and `Last-Event-ID`, so
 *   nothing sent while it was away is missed. While it is disconnected, `ttlMs` is the bound.
 * - The token service unreachable (or answering anything but an RFC 7662 answer): answers
 *   already cached are served up to `maxStaleMs` past their TTL, then `503 auth_unavailable`;
 *   a token never seen is `503` at once. Never a `200` for an unverified token, never a `401`
 *   for an infrastructure failure.
 *
 * @throws TypeError at creation for a bad option.
 * @example
 * ```ts
 * const remote = introspection({ url: 'https://keygate.internal', secret: env('KEYGATE_SERVICE_TOKEN') })
 * app.use(keygate({ strategies: [apiTokens({ store: remote })] }))
 * ```
 */
export function introspection(options: IntrospectionOptions): IntrospectionVerifier {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('introspection(): options are required')
  }
  let base: URL
  try {
    base = new URL(options.url)
  } catch {
    throw new TypeError('introspection(): url must be an absolute http(s) URL')
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new TypeError('introspection(): url must be an absolute http(s) URL')
  }
  const root = base.href.replace(/\/+$/, '')
  const endpoint = `${root}/v1/auth/introspect`
  const streamURL = `${root}/v1/auth/revocations`
  if (options.secret == null || typeof options.secret !== 'object') {
    throw new TypeError('introspection(): secret must be a SecretSource')
  }
  const secrets = isCache(options.secret)
    ? options.secret
    : createSecretCache({
        source: options.secret,
        ...(options.logger ? { logger: options.logger } : {}),
      })
  const ttlMs = checkInt(options.ttlMs ?? 10_000, 'ttlMs', 1)
  const negativeTtlMs = checkInt(options.negativeTtlMs ?? Math.min(1000, ttlMs), 'negativeTtlMs', 0)
  if (negativeTtlMs > ttlMs) {
    throw new TypeError('introspection(): negativeTtlMs must not exceed ttlMs')
  }
  const maxStaleMs = checkInt(options.maxStaleMs ?? 300_000, 'maxStaleMs', 0)
  const max = checkInt(options.max ?? 10_000, 'max', 1)
  const timeoutMs = checkInt(options.timeoutMs ?? 2000, 'timeoutMs', 1)
  const streamIdleMs = checkInt(options.streamIdleMs ?? 45_000, 'streamIdleMs', 1)
  const backoffMs = checkInt(options.backoffMs ?? 250, 'backoffMs', 1)
  const maxBackoffMs = checkInt(options.maxBackoffMs ?? 5000, 'maxBackoffMs', backoffMs)
  const doFetch = options.fetch ?? globalThis.fetch
  if (typeof doFetch !== 'function') throw new TypeError('introspection(): fetch is required')
  const logger = options.logger ?? silentLogger

  const cache = createAnswerCache(max)
  const endedSessions = new Map<string, true>()
  const targets: APITokenCacheTarget[] = []
  const counters = { calls: 0, stale: 0 }

  function clear(): void {
    cache.clear()
    for (const target of targets) target.invalidateAll()
  }

  function revoked(revocation: Revocation): void {
    cache.bump()
    switch (revocation.kind) {
      case 'token':
        cache.dropToken(revocation.tokenId)
        for (const target of targets) target.invalidate(revocation.tokenId)
        return
      case 'session':
        endedSessions.set(revocation.sessionId, true)
        if (endedSessions.size > ENDED_SESSIONS_MAX) {
          endedSessions.delete(endedSessions.keys().next().value as string)
        }
        return
      case 'user':
        cache.dropUser(revocation.userId)
        for (const target of targets) target.invalidateAll()
        return
      case 'unknown':
        clear()
    }
  }

  async function refresh(
    key: string,
    token: string,
    now: number,
    held: Entry | undefined,
  ): Promise<VerifiedAPIToken | undefined> {
    const startedAt = cache.generation
    let value: VerifiedAPIToken | undefined
    try {
      value = await introspectToken({
        endpoint,
        secrets,
        fetch: doFetch,
        timeoutMs,
        token,
        now,
        onCall: () => counters.calls++,
      })
    } catch (error) {
      // Unreachable: a held active answer within maxStale is served; anything else is a 503.
      if (held !== undefined && held.value !== undefined && Date.now() < held.staleUntil) {
        counters.stale++
        logger.warn(
          { tokenId: held.value.id, ...describeError(error) },
          'keygate: the token service is unreachable; serving a cached introspection answer',
        )
        return held.value
      }
      throw error
    }
    // Revoked meanwhile (an event arrived during the call): this answer may predate it.
    if (startedAt === cache.generation) {
      const at = Date.now()
      if (value === undefined) {
        if (negativeTtlMs > 0) {
          cache.set(key, { value, freshUntil: at + negativeTtlMs, staleUntil: at + negativeTtlMs })
        } else cache.drop(key)
      } else {
        const expires = value.expiresAt.getTime()
        cache.set(key, {
          value,
          freshUntil: Math.min(at + ttlMs, expires),
          staleUntil: Math.min(at + ttlMs + maxStaleMs, expires),
        })
      }
    }
    return value
  }

  const stream =
    options.stream === false
      ? undefined
      : openRevocationStream({
          url: streamURL,
          secrets,
          fetch: doFetch,
          logger,
          idleMs: streamIdleMs,
          backoffMs,
          maxBackoffMs,
          handlers: { firstReady: clear, reset: clear, revoked },
        })

  return {
    findByDigest(digest, _now, context) {
      const token = context?.token
      if (typeof token !== 'string') {
        return Promise.reject(new Error('introspection: findByDigest needs the token'))
      }
      const key = `${root} ${digest}`
      const now = Date.now()
      const held = cache.get(key)
      if (held !== undefined && now < held.freshUntil) return Promise.resolve(held.value)
      let pending = cache.inflight.get(key)
      if (pending === undefined) {
        pending = refresh(key, token, now, held).finally(() => {
          if (cache.inflight.get(key) === pending) cache.inflight.delete(key)
        })
        cache.inflight.set(key, pending)
      }
      return pending
    },
    watch(target) {
      targets.push(target)
    },
    isRevoked(jti) {
      if (
        stream !== undefined &&
        !stream.streaming &&
        Date.now() - stream.disconnectedSince > maxStaleMs
      ) {
        throw new Error('introspection: the revocation stream has been down too long')
      }
      return endedSessions.has(jti)
    },
    clear,
    get stats() {
      return { ...counters, events: stream?.events ?? 0, streaming: stream?.streaming ?? false }
    },
    // Never, without the stream.
    ready: stream?.ready ?? new Promise<void>(() => {}),
    close() {
      stream?.close()
    },
  }
}
