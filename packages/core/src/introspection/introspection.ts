import { createSecretCache, type SecretCache } from '../create-secret-cache.js'
import { describeError, silentLogger, type Logger } from '../logger.js'
import type { SecretSource } from '../sources/secret-source.js'
import type {
  APITokenCacheTarget,
  APITokenVerifier,
  VerifiedAPIToken,
} from '../api-tokens/api-token-verifier.js'
import { readEventStream, type ServerSentEvent } from './lib/read-event-stream.js'

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

type Entry = {
  value: VerifiedAPIToken | undefined
  freshUntil: number
  staleUntil: number
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

/** Reads an RFC 7662 answer; anything that is not one is an infrastructure failure. */
function readAnswer(body: unknown, now: number): VerifiedAPIToken | undefined {
  if (body === null || typeof body !== 'object') throw new Error('introspection: not a JSON object')
  const answer = body as Record<string, unknown>
  if (answer.active === false) return undefined
  if (answer.active !== true) throw new Error('introspection: "active" is not a boolean')
  // Only API tokens are verified through apiTokens; a session presented with a token prefix
  // cannot happen, but is not accepted either.
  if (answer.token_type !== 'api_token') return undefined
  const { sub, scope, exp, token_id: tokenId } = answer
  if (
    typeof sub !== 'string' ||
    typeof tokenId !== 'string' ||
    typeof exp !== 'number' ||
    (scope !== undefined && typeof scope !== 'string')
  ) {
    throw new Error('introspection: an active answer lacks sub, token_id or exp')
  }
  const expiresAt = new Date(exp * 1000)
  return Object.freeze({
    id: tokenId,
    userId: sub,
    scopes: Object.freeze((scope ?? '').split(' ').filter((s) => s !== '')),
    expiresAt,
    revokedAt: expiresAt.getTime() <= now ? expiresAt : null,
    userDisabled: false,
    graceUntil: null,
  })
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

  const entries = new Map<string, Entry>()
  const byToken = new Map<string, Set<string>>()
  const byUser = new Map<string, Set<string>>()
  const inflight = new Map<string, Promise<VerifiedAPIToken | undefined>>()
  const endedSessions = new Map<string, true>()
  const targets: APITokenCacheTarget[] = []
  let generation = 0
  const counters = { calls: 0, stale: 0, events: 0 }

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
  function store(key: string, entry: Entry): void {
    drop(key)
    entries.set(key, entry)
    if (entry.value !== undefined) {
      index(byToken, entry.value.id, key)
      index(byUser, entry.value.userId, key)
    }
    while (entries.size > max) drop(entries.keys().next().value as string)
  }
  function dropMany(map: Map<string, Set<string>>, id: string): void {
    const keys = map.get(id)
    map.delete(id)
    for (const key of keys ?? []) drop(key)
  }
  function clear(): void {
    generation++
    entries.clear()
    byToken.clear()
    byUser.clear()
    inflight.clear()
    for (const target of targets) target.invalidateAll()
  }

  async function call(token: string, now: number): Promise<VerifiedAPIToken | undefined> {
    const { secrets: held } = await secrets.get()
    const secret = held[0]?.value
    if (secret === undefined) throw new Error('introspection: the service token is not set')
    counters.calls++
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    try {
      const response = await doFetch(endpoint, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${secret}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({ token }),
        signal: controller.signal,
      })
      if (response.status !== 200) {
        await response.body?.cancel()
        // A 401 here is *our* service token being refused: a configuration failure of this
        // service, never the user's credential being wrong.
        throw new Error(`introspection: the token service answered ${response.status}`)
      }
      return readAnswer(await response.json(), now)
    } catch (error) {
      if (controller.signal.aborted) {
        throw new Error(`introspection: no answer within ${timeoutMs} ms`, { cause: error })
      }
      throw error
    } finally {
      clearTimeout(timer)
    }
  }

  async function refresh(
    key: string,
    token: string,
    now: number,
    held: Entry | undefined,
  ): Promise<VerifiedAPIToken | undefined> {
    const startedAt = generation
    let value: VerifiedAPIToken | undefined
    try {
      value = await call(token, now)
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
    if (startedAt === generation) {
      const at = Date.now()
      if (value === undefined) {
        if (negativeTtlMs > 0) {
          store(key, { value, freshUntil: at + negativeTtlMs, staleUntil: at + negativeTtlMs })
        } else drop(key)
      } else {
        const expires = value.expiresAt.getTime()
        store(key, {
          value,
          freshUntil: Math.min(at + ttlMs, expires),
          staleUntil: Math.min(at + ttlMs + maxStaleMs, expires),
        })
      }
    }
    return value
  }

  // ---- the revocation stream --------------------------------------------------------------
  let lastEventId: string | undefined
  let streaming = false
  let closed = false
  let connectedOnce = false
  let delay = backoffMs
  let retry: ReturnType<typeof setTimeout> | undefined
  let disconnectedSince = Date.now()
  let current: AbortController | undefined
  let markReady: (() => void) | undefined
  const ready = new Promise<void>((resolve) => (markReady = resolve))

  function apply(event: ServerSentEvent): void {
    if (event.id !== undefined) lastEventId = event.id
    if (event.event === 'ready') {
      // First connection: answers cached before it are not covered by any event.
      if (!connectedOnce) clear()
      connectedOnce = true
      streaming = true
      delay = backoffMs
      markReady?.()
      return
    }
    if (event.event === 'reset') {
      clear()
      return
    }
    if (event.event !== 'revocation') return
    counters.events++
    let data: Record<string, unknown>
    try {
      data = JSON.parse(event.data) as Record<string, unknown>
    } catch {
      clear()
      return
    }
    generation++
    const { type } = data
    if (
      (type === 'token.revoked' || type === 'token.rotated') &&
      typeof data.token_id === 'string'
    ) {
      dropMany(byToken, data.token_id)
      for (const target of targets) target.invalidate(data.token_id)
    } else if (type === 'session.ended' && typeof data.session_id === 'string') {
      endedSessions.set(data.session_id, true)
      if (endedSessions.size > ENDED_SESSIONS_MAX) {
        endedSessions.delete(endedSessions.keys().next().value as string)
      }
    } else if (
      (type === 'user.disabled' || type === 'user.changed') &&
      typeof data.user_id === 'string'
    ) {
      dropMany(byUser, data.user_id)
      for (const target of targets) target.invalidateAll()
    } else {
      // An event this release does not know: dropping everything is the safe answer.
      clear()
    }
  }

  function scheduleReconnect(): void {
    if (closed) return
    if (streaming) disconnectedSince = Date.now()
    streaming = false
    const wait = Math.round(delay / 2 + Math.random() * (delay / 2))
    delay = Math.min(delay * 2, maxBackoffMs)
    retry = setTimeout(() => void connect(), wait)
    ;(retry as { unref?: () => void }).unref?.()
  }

  async function connect(): Promise<void> {
    if (closed) return
    const controller = new AbortController()
    current = controller
    let idle: ReturnType<typeof setTimeout> | undefined
    const touch = () => {
      clearTimeout(idle)
      idle = setTimeout(() => controller.abort(), streamIdleMs)
      ;(idle as { unref?: () => void }).unref?.()
    }
    try {
      const { secrets: held } = await secrets.get()
      const secret = held[0]?.value
      if (secret === undefined) throw new Error('introspection: the service token is not set')
      touch()
      const response = await doFetch(streamURL, {
        headers: {
          authorization: `Bearer ${secret}`,
          accept: 'text/event-stream',
          ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
        },
        signal: controller.signal,
      })
      if (response.status !== 200 || response.body === null) {
        await response.body?.cancel()
        throw new Error(`introspection: the revocation stream answered ${response.status}`)
      }
      await readEventStream(response.body, apply, touch)
    } catch (error) {
      if (!closed) {
        logger.warn(describeError(error), 'keygate: revocation stream lost; reconnecting')
      }
    } finally {
      clearTimeout(idle)
      controller.abort()
    }
    scheduleReconnect()
  }

  const verifier: IntrospectionVerifier = {
    findByDigest(digest, _now, context) {
      const token = context?.token
      if (typeof token !== 'string') {
        return Promise.reject(new Error('introspection: findByDigest needs the token'))
      }
      const key = `${root} ${digest}`
      const now = Date.now()
      const held = entries.get(key)
      if (held !== undefined && now < held.freshUntil) return Promise.resolve(held.value)
      let pending = inflight.get(key)
      if (pending === undefined) {
        pending = refresh(key, token, now, held).finally(() => {
          if (inflight.get(key) === pending) inflight.delete(key)
        })
        inflight.set(key, pending)
      }
      return pending
    },
    watch(target) {
      targets.push(target)
    },
    isRevoked(jti) {
      if (options.stream !== false && !streaming && Date.now() - disconnectedSince > maxStaleMs) {
        throw new Error('introspection: the revocation stream has been down too long')
      }
      return endedSessions.has(jti)
    },
    clear,
    get stats() {
      return { ...counters, streaming }
    },
    ready,
    close() {
      closed = true
      streaming = false
      clearTimeout(retry)
      current?.abort()
    },
  }
  if (options.stream !== false) void connect()
  return verifier
}
