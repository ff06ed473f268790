import type { SecretCache } from '../../create-secret-cache.js'
import { describeError, type Logger } from '../../logger.js'
import { serviceSecretOf } from './introspect-call.js'
import { readEventStream, type ServerSentEvent } from './read-event-stream.js'

/** One revocation the token service announced, as the verifier acts on it. */
export type Revocation =
  | { readonly kind: 'token'; readonly tokenId: string }
  | { readonly kind: 'user'; readonly userId: string }
  | { readonly kind: 'session'; readonly sessionId: string }
  /** An event this release does not know, or cannot read: dropping everything is the answer. */
  | { readonly kind: 'unknown' }

/** What the stream tells its owner. */
export type RevocationHandlers = {
  /** Up to date for the first time: answers cached before are covered by no event. */
  firstReady(): void
  /** The token service cannot replay what was missed (`reset`): start afresh. */
  reset(): void
  revoked(revocation: Revocation): void
}

/** Options of {@link openRevocationStream}. */
export type RevocationStreamOptions = {
  /** `GET /v1/auth/revocations` of the token service. */
  url: string
  secrets: SecretCache
  fetch: typeof globalThis.fetch
  logger: Logger
  /** No byte for this long (ms) means the stream is dead: reconnect. */
  idleMs: number
  /** First reconnection delay (ms), doubled up to `maxBackoffMs`, with jitter. */
  backoffMs: number
  maxBackoffMs: number
  handlers: RevocationHandlers
}

/** The open stream: its state, for `stats` and `isRevoked`, and how to stop it. */
export type RevocationStream = {
  /** Connected and up to date now. */
  readonly streaming: boolean
  /** Since when (ms since the epoch) the stream has not been up to date. */
  readonly disconnectedSince: number
  /** Revocation events received. */
  readonly events: number
  /** Resolves once connected and up to date. */
  readonly ready: Promise<void>
  close(): void
}

/** The revocation an event announces. */
export function readRevocation(data: string): Revocation {
  let parsed: Record<string, unknown> | null
  try {
    parsed = JSON.parse(data) as Record<string, unknown> | null
  } catch {
    return { kind: 'unknown' }
  }
  if (parsed === null || typeof parsed !== 'object') return { kind: 'unknown' }
  const { type } = parsed
  if ((type === 'token.revoked' || type === 'token.rotated') && typeof parsed.token_id === 'string')
    return { kind: 'token', tokenId: parsed.token_id }
  if (type === 'session.ended' && typeof parsed.session_id === 'string')
    return { kind: 'session', sessionId: parsed.session_id }
  if ((type === 'user.disabled' || type === 'user.changed') && typeof parsed.user_id === 'string')
    return { kind: 'user', userId: parsed.user_id }
  return { kind: 'unknown' }
}

/**
 * Holds `GET /v1/auth/revocations` open (docs/remote-verification.md#the-stream): each
 * `revocation` event goes to `handlers.revoked`; it reconnects with backoff and jitter, with
 * `Last-Event-ID` so that nothing sent while it was away is missed, and after `idleMs` without a
 * byte (heartbeats included). Never logs the service token.
 */
export function openRevocationStream(options: RevocationStreamOptions): RevocationStream {
  const { handlers, logger } = options
  let lastEventId: string | undefined
  let streaming = false
  let closed = false
  let connectedOnce = false
  let events = 0
  let delay = options.backoffMs
  let retry: ReturnType<typeof setTimeout> | undefined
  let disconnectedSince = Date.now()
  let current: AbortController | undefined
  let markReady: (() => void) | undefined
  const ready = new Promise<void>((resolve) => (markReady = resolve))

  function apply(event: ServerSentEvent): void {
    if (event.id !== undefined) lastEventId = event.id
    if (event.event === 'ready') {
      if (!connectedOnce) handlers.firstReady()
      connectedOnce = true
      streaming = true
      delay = options.backoffMs
      markReady?.()
      return
    }
    if (event.event === 'reset') {
      handlers.reset()
      return
    }
    if (event.event !== 'revocation') return
    events++
    handlers.revoked(readRevocation(event.data))
  }

  function scheduleReconnect(): void {
    if (closed) return
    if (streaming) disconnectedSince = Date.now()
    streaming = false
    const wait = Math.round(delay / 2 + Math.random() * (delay / 2))
    delay = Math.min(delay * 2, options.maxBackoffMs)
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
      idle = setTimeout(() => controller.abort(), options.idleMs)
      ;(idle as { unref?: () => void }).unref?.()
    }
    try {
      const secret = await serviceSecretOf(options.secrets)
      touch()
      const response = await options.fetch(options.url, {
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

  void connect()
  return {
    get streaming() {
      return streaming
    },
    get disconnectedSince() {
      return disconnectedSince
    },
    get events() {
      return events
    },
    ready,
    close() {
      closed = true
      streaming = false
      clearTimeout(retry)
      current?.abort()
    },
  }
}
