import type { RouteOptions } from 'fastify'
import { behind, type SideGate } from '../auth/side-gate.js'
import { ServiceError } from '../lib/errors.js'
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

/**
 * `GET /v1/auth/revocations` (service token): a Server-Sent Events stream of revocations for
 * remote verifiers (docs/remote-verification.md#the-stream). Each `revocation` event has an id;
 * a client that reconnects with `Last-Event-ID` is sent what it missed from the backlog, or a
 * `reset` event when that id is older than the backlog; `ready` follows once it is up to date; a
 * heartbeat comment keeps proxies from closing the connection. Only public ids are ever sent.
 */
export function streamRevocationsRoute(options: {
  feed: RevocationFeed
  gate: SideGate
  heartbeatSeconds: number
}): RouteOptions {
  const { feed, gate, heartbeatSeconds } = options
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
        'caught up; a heartbeat comment every `introspection.heartbeatSeconds`.',
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
      const response = reply.raw
      let open = true
      const timers: { heartbeat?: NodeJS.Timeout; unsubscribe?: () => void } = {}
      const stop = () => {
        if (!open) return
        open = false
        clearInterval(timers.heartbeat)
        timers.unsubscribe?.()
      }
      const subscriber = {
        send(frame: string) {
          if (open) response.write(frame)
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
      timers.unsubscribe = await feed.subscribe(
        { send: (frame) => target.send(frame), end: () => target.end() },
        lastEventId,
      )
      reply.hijack()
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // nginx would otherwise buffer the stream.
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      })
      response.write('retry: 1000\n\n')
      for (const frame of pending) response.write(frame)
      target = subscriber
      timers.heartbeat = setInterval(
        () => subscriber.send(': heartbeat\n\n'),
        heartbeatSeconds * 1000,
      )
      timers.heartbeat.unref()
      request.raw.on('close', stop)
      response.on('close', stop)
    },
  }
}
