import { describeError, silentLogger, type Logger } from '@keygate/core'
import type { RevocationEvent, RevocationEventType, Store } from '../store/types.js'
import type { Revocation } from './revocation-bus.js'

/** What one connected stream is sent: SSE frames, already formatted. */
export type FeedSubscriber = {
  /** Writes one frame (`id:`/`event:`/`data:` lines and the blank line). */
  send(frame: string): void
  /** Ends the stream (the server is closing). */
  end(): void
}

/** Options of {@link createRevocationFeed}. */
export type RevocationFeedOptions = {
  store: Pick<Store, 'revocationEvents' | 'tokens' | 'users'>
  /** Events kept for resumption (`introspection.backlog`). */
  backlog: number
  /**
   * While anyone is subscribed, the backlog is also read this often (ms): it catches what was
   * written by a tool that has no bus (the CLI on SQLite) or a bus message that was lost.
   * Default 1000.
   */
  pollMs?: number
  logger?: Logger
  now?: () => Date
}

/** The revocation stream of this instance (`GET /v1/auth/revocations`). */
export type RevocationFeed = {
  /**
   * Writes a revocation made on this instance to the backlog (its type read from the store:
   * revoked or rotated token, ended session, disabled or changed user), pushes it to this
   * instance's streams, then runs `after` (the bus broadcast, so that the other instances find
   * the row when they read). Never throws: a failed write is logged and `after` still runs.
   */
  record(revocation: Revocation, details?: { graceUntil?: Date }, after?: () => void): void
  /** Something was revoked elsewhere (a bus message) or may have been missed: read the backlog. */
  poke(): void
  /**
   * Adds a stream. `lastEventId` is the `Last-Event-ID` it reconnected with: the events after it
   * are replayed, or a `reset` is sent when it is older than the backlog (or unknown). Then
   * `ready`, then live events. Resolves to a function that removes it.
   */
  subscribe(subscriber: FeedSubscriber, lastEventId: number | undefined): Promise<() => void>
  /** Ends every stream and stops polling. */
  close(): void
}

const PAGE = 500

/** The SSE frame of one event: public ids only, never a token, digest or secret. */
export function formatRevocationEvent(event: RevocationEvent): string {
  const data: Record<string, string> = { type: event.type }
  if (event.type === 'token.revoked' || event.type === 'token.rotated') {
    data.token_id = event.subjectId
  } else if (event.type === 'session.ended') data.session_id = event.subjectId
  else data.user_id = event.subjectId
  if (event.graceUntil !== null) data.grace_until = event.graceUntil.toISOString()
  data.at = event.at.toISOString()
  return `id: ${event.id}\nevent: revocation\ndata: ${JSON.stringify(data)}\n\n`
}

/**
 * What a revocation becomes in the backlog, read from the store: a revoked or rotated token, an
 * ended session (an id that is not a token's), a disabled or changed user. `all` has no row.
 */
async function describeRevocation(
  store: Pick<Store, 'tokens' | 'users'>,
  revocation: Revocation,
  details: { graceUntil?: Date } | undefined,
): Promise<{ type: RevocationEventType; subjectId: string; graceUntil: Date | null } | undefined> {
  if (revocation.kind === 'token') {
    const token = await store.tokens.findById(revocation.tokenId)
    if (token === undefined) {
      return { type: 'session.ended', subjectId: revocation.tokenId, graceUntil: null }
    }
    if (token.revokedAt === null && details?.graceUntil !== undefined) {
      return { type: 'token.rotated', subjectId: token.id, graceUntil: details.graceUntil }
    }
    return { type: 'token.revoked', subjectId: token.id, graceUntil: null }
  }
  if (revocation.kind === 'user') {
    const user = await store.users.findById(revocation.userId)
    return {
      type: user?.disabled === false ? 'user.changed' : 'user.disabled',
      subjectId: revocation.userId,
      graceUntil: null,
    }
  }
  return undefined
}

/**
 * Writes revocations made outside a running instance (the CLI) to the backlog, so that the
 * instances stream them (they re-read it every second, and when the bus tells them).
 *
 * @example
 * ```ts
 * await recordRevocationEvents({ store, backlog: config.introspection.backlog, revocations })
 * ```
 */
export async function recordRevocationEvents(options: {
  store: Pick<Store, 'revocationEvents' | 'tokens' | 'users'>
  backlog: number
  revocations: readonly { revocation: Revocation; graceUntil?: Date | undefined }[]
}): Promise<void> {
  for (const { revocation, graceUntil } of options.revocations) {
    const described = await describeRevocation(
      options.store,
      revocation,
      graceUntil === undefined ? undefined : { graceUntil },
    )
    if (described === undefined) continue
    await options.store.revocationEvents.append(
      { at: new Date(), ...described },
      { keep: options.backlog },
    )
  }
}

type Subscription = { subscriber: FeedSubscriber; cursor: number; replaying: boolean }

/**
 * The revocation stream's source: a bounded, numbered backlog in the database (so a verifier
 * that reconnects with `Last-Event-ID` misses nothing) fed by this instance's revocations, read
 * again whenever the bus says another instance revoked something. The bus carries the wake-up,
 * the database carries the events: every instance streams the same ids.
 *
 * @example
 * ```ts
 * const feed = createRevocationFeed({ store, backlog: 10_000 })
 * bus.subscribe({ revoked: () => feed.poke(), connected: () => feed.poke() })
 * ```
 */
export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const { store, backlog } = options
  const pollMs = options.pollMs ?? 1000
  const logger = options.logger ?? silentLogger
  const now = options.now ?? (() => new Date())
  const subscriptions = new Set<Subscription>()
  let newest: number | undefined
  let reading: Promise<void> | undefined
  let again = false
  let poll: NodeJS.Timeout | undefined
  let closed = false

  function push(event: RevocationEvent): void {
    if (newest === undefined || event.id > newest) newest = event.id
    const frame = formatRevocationEvent(event)
    for (const sub of subscriptions) {
      if (sub.replaying || event.id <= sub.cursor) continue
      sub.cursor = event.id
      sub.subscriber.send(frame)
    }
  }

  async function readNew(): Promise<void> {
    if (newest === undefined) newest = (await store.revocationEvents.bounds()).newest
    for (;;) {
      const events = await store.revocationEvents.listAfter(newest, PAGE)
      for (const event of events) push(event)
      if (events.length < PAGE) return
    }
  }

  function poke(): void {
    if (closed) return
    if (reading !== undefined) {
      again = true
      return
    }
    reading = readNew()
      .catch((error: unknown) =>
        logger.warn(describeError(error), 'keygate: the revocation backlog could not be read'),
      )
      .finally(() => {
        reading = undefined
        if (again) {
          again = false
          poke()
        }
      })
  }

  async function catchUp(sub: Subscription): Promise<void> {
    // Replayed from the database, live events held back meanwhile; then once more in case one
    // was pushed (and skipped) while a page was read.
    do {
      sub.replaying = true
      for (;;) {
        const events = await store.revocationEvents.listAfter(sub.cursor, PAGE)
        for (const event of events) {
          sub.cursor = event.id
          sub.subscriber.send(formatRevocationEvent(event))
        }
        if (events.length < PAGE) break
      }
      sub.replaying = false
    } while (newest !== undefined && newest > sub.cursor)
  }

  return {
    record(revocation, details, after) {
      void (async () => {
        try {
          const described = await describeRevocation(store, revocation, details)
          if (described !== undefined && !closed) {
            push(
              await store.revocationEvents.append({ at: now(), ...described }, { keep: backlog }),
            )
          }
        } catch (error) {
          logger.warn(describeError(error), 'keygate: a revocation event could not be recorded')
        } finally {
          after?.()
        }
      })()
    },
    poke,
    async subscribe(subscriber, lastEventId) {
      const bounds = await store.revocationEvents.bounds()
      if (newest === undefined || bounds.newest > newest) newest = bounds.newest
      const sub: Subscription = { subscriber, cursor: bounds.newest, replaying: false }
      if (lastEventId !== undefined) {
        // Older than what is kept (events were pruned in between), or newer than anything
        // written (another database): the client cannot know what it missed.
        const gap =
          bounds.oldest === 0 ? lastEventId < bounds.newest : lastEventId < bounds.oldest - 1
        if (gap || lastEventId > bounds.newest) {
          subscriber.send(
            `id: ${bounds.newest}\nevent: reset\ndata: ${JSON.stringify({ reason: 'backlog' })}\n\n`,
          )
        } else sub.cursor = lastEventId
      }
      subscriptions.add(sub)
      try {
        await catchUp(sub)
      } catch (error) {
        subscriptions.delete(sub)
        throw error
      }
      subscriber.send(`id: ${sub.cursor}\nevent: ready\ndata: {}\n\n`)
      if (poll === undefined && !closed) {
        poll = setInterval(poke, pollMs)
        poll.unref()
      }
      return () => {
        subscriptions.delete(sub)
        if (subscriptions.size === 0) {
          clearInterval(poll)
          poll = undefined
        }
      }
    },
    close() {
      closed = true
      clearInterval(poll)
      poll = undefined
      for (const sub of subscriptions) sub.subscriber.end()
      subscriptions.clear()
    },
  }
}
