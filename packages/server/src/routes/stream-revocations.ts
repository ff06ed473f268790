import type { RouteOptions } from 'fastify'
import { behind, type SideGate } from '../auth/side-gate.js'
import { ServiceError } from '../lib/errors.js'
import type { ServerMetrics } from '../metrics/create-metrics.js'
import type { RevocationFeed } from '../revocation/create-revocation-feed.js'

const EVENT_ID = /^(0|[1-9][0-9]{0,15})$/

/** The one `Last-Event-ID` of a request, as a number; a malformed or repeated one is a 400. */
function lastEventIdOf(raw: readonly string[]): number | undefined {
  let found: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'last-event-id') continue
    if (found !== undefined) {
      throw new ServiceError('invalid_request', { detail: 'Last-Event-ID is repeated' })
    }
    found = raw[i + 1]!.trim()
  }
  if (found === undefined || found === '') return undefined
  if (!EVENT_ID.test(found)) {
    throw new ServiceError('invalid_request', { detail: 'Last-Event-ID must be an event id' })
  }
  return Number(found)
}

/** A stream that has not drained for this long is closed (its client does not read). */
export const STREAM_DRAIN_TIMEOUT_MS = 30_000

/**
 * While writes wait, how often the unsent bytes are measured. Only what was written before the
 * previous measure counts: the feed writes a burst of events in one go, and the socket needs a
 * turn of the event loop to take it even from a client that reads.
 */
const BUFFER_CHECK_MS = 100

/** `Retry-After` of the `503` answered when every stream slot is taken. */
const FULL_RETRY_AFTER_SECONDS = 5

/** Options of {@link streamRevocationsRoute}. */
export type StreamRevocationsOptions = {
  feed: RevocationFeed
  gate: SideGate
  heartbeatSeconds: number
  /** Streams open at once (`introspection.maxStreams`); one more is `503 auth_unavailable`. */
  maxStreams: number
  /** Unsent bytes allowed beyond the initial replay (`introspection.streamBufferBytes`). */
  streamBufferBytes: number
  /** How long a stream may stay undrained before it is closed. Default 30 s. */
  drainTimeoutMs?: number
  metrics: Pick<ServerMetrics, 'revocationStreams' | 'revocationStreamDropped'>
}

/**
 * `GET /v1/auth/revocations` (service token): a Server-Sent Events stream of revocations for
 * remote verifiers (docs/remote-verification.md#the-stream). Each `revocation` event has an id;
 * a client that reconnects with `Last-Event-ID` is sent what it missed from the backlog, or a
 * `reset` event when that id is older than the backlog; `ready` follows once it is up to date; a
 * heartbeat comment keeps proxies from closing the connection. Only public ids are ever sent.
 *
 * At most `maxStreams` are open at once (one more is `503 auth_unavailable` with `Retry-After`).
 * A client that does not read is disconnected once `streamBufferBytes` are waiting beyond its
 * initial replay, or when the stream has not drained for `drainTimeoutMs`: it resumes with
 * `Last-Event-ID` and misses nothing the backlog still holds.
 */
export function streamRevocationsRoute(options: StreamRevocationsOptions): RouteOptions {
  const { feed, gate, heartbeatSeconds, maxStreams, streamBufferBytes, metrics } = options
  const drainTimeoutMs = options.drainTimeoutMs ?? STREAM_DRAIN_TIMEOUT_MS
  let streams = 0
  return {
    method: 'GET',
    url: '/v1/auth/revocations',
    // Behind the service-token gate rather than the API-token one.
    config: behind(gate),
    schema: {
      summary: 'Stream revocations (Server-Sent Events)',
      description:
        'For remote verifiers: `revocation` events (`token.revoked`, `token.rotated`, ' +
        '`session.ended`, `user.disabled`, `user.changed`) with ids; resumable with ' +
        '`Last-Event-ID`; a `reset` event when the id is older than the backlog; `ready` once ' +
        'caught up; a heartbeat comment every `introspection.heartbeatSeconds`. At most ' +
        '`introspection.maxStreams` at once (then `503` with `Retry-After`); a client that does ' +
        'not read is disconnected past `introspection.streamBufferBytes` unsent.',
      tags: ['remote verification'],
      security: [{ serviceToken: [] }],
      response: {
        200: {
          description: 'An event stream.',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
      },
    },
    handler: async (request, reply) => {
      const lastEventId = lastEventIdOf(request.raw.rawHeaders)
      if (streams >= maxStreams) {
        metrics.revocationStreamDropped('full')
        throw new ServiceError('auth_unavailable', {
          detail: 'Too many revocation streams are open; retry later',
          retryAfterSeconds: FULL_RETRY_AFTER_SECONDS,
        })
      }
      metrics.revocationStreams(++streams)
      const response = reply.raw
      let open = true
      let limit = Infinity
      // Bytes handed to write(), and that count at the previous measure.
      let written = 0
      let mark = 0
      const timers: {
        heartbeat?: NodeJS.Timeout
        drain?: NodeJS.Timeout | undefined
        check?: NodeJS.Timeout | undefined
        unsubscribe?: () => void
      } = {}
      const stop = () => {
        if (!open) return
        open = false
        metrics.revocationStreams(--streams)
        clearInterval(timers.heartbeat)
        clearTimeout(timers.drain)
        clearTimeout(timers.check)
        timers.unsubscribe?.()
      }
      // Attached before the backlog is read: a client that leaves meanwhile must not leave its
      // subscription (and its slot) behind.
      response.on('close', stop)
      // Already gone (while the gate ran): 'close' has fired and will not again.
      if (response.destroyed) stop()
      response.on('drain', () => {
        clearTimeout(timers.drain)
        timers.drain = undefined
      })
      const drop = (reason: 'buffer' | 'drain') => {
        if (!open) return
        request.log.warn(
          { reason, bufferedBytes: response.writableLength },
          'keygate: revocation stream closed: the client does not keep up',
        )
        metrics.revocationStreamDropped(reason)
        stop()
        response.destroy()
      }
      const schedule = () => {
        if (timers.check !== undefined) return
        // Measured after a poll phase, once the socket's finished writes have been counted out.
        timers.check = setTimeout(() => setImmediate(check), BUFFER_CHECK_MS)
        timers.check.unref()
      }
      const check = () => {
        timers.check = undefined
        if (!open) return
        const waiting = response.writableLength
        // Still waiting from before the previous measure: the client is not reading it.
        if (mark - (written - waiting) > limit) return drop('buffer')
        mark = written
        if (waiting > 0) schedule()
      }
      // write() returning false is respected: what waits is bounded in bytes and in time.
      const write = (frame: string) => {
        if (!open) return
        written += Buffer.byteLength(frame)
        if (response.write(frame)) return
        schedule()
        if (timers.drain === undefined) {
          timers.drain = setTimeout(() => drop('drain'), drainTimeoutMs)
          timers.drain.unref()
        }
      }
      const subscriber = {
        send(frame: string) {
          write(frame)
        },
        end() {
          stop()
          response.end()
        },
      }
      // Subscribed before the head is written: a failing database is still a problem+json 503.
      const pending: string[] = []
      const buffer = { send: (frame: string) => pending.push(frame), end: () => subscriber.end() }
      let target: typeof subscriber | typeof buffer = buffer
      let unsubscribe: () => void
      try {
        unsubscribe = await feed.subscribe(
          { send: (frame) => target.send(frame), end: () => target.end() },
          lastEventId,
        )
      } catch (error) {
        stop()
        throw error
      }
      reply.hijack()
      if (!open) {
        // The client left (or the server closed) while the backlog was read.
        unsubscribe()
        response.destroy()
        return
      }
      timers.unsubscribe = unsubscribe
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // nginx would otherwise buffer the stream.
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      })
      const initial = ['retry: 1000\n\n', ...pending].join('')
      // The replay is bounded by the backlog; the bound is on what piles up after it.
      limit = Buffer.byteLength(initial) + streamBufferBytes
      write(initial)
      target = subscriber
      timers.heartbeat = setInterval(
        () => subscriber.send(': heartbeat\n\n'),
        heartbeatSeconds * 1000,
      )
      timers.heartbeat.unref()
    },
  }
}
