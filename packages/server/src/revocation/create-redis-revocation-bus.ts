import { randomBytes } from 'node:crypto'
import { describeError, silentLogger, type Logger } from '@keygate/core'
import type { Redis } from 'ioredis'
import { createListeners } from './lib/listeners.js'
import { decodeRevocation, encodeRevocation } from './lib/message.js'
import type { RevocationBus } from './revocation-bus.js'

/** Options of {@link createRedisRevocationBus}. */
export type RedisRevocationBusOptions = {
  /**
   * Publishes on this client (shared with the rate limiter; the caller closes it). The bus
   * subscribes on a duplicate of it, which it owns: a subscribed Redis connection can do nothing
   * else.
   */
  client: Redis
  /** The pub/sub channel, `<keyPrefix>revocations` in the server. */
  channel: string
  /** How often the subscription is checked with a PING, in ms. Default 5000. */
  heartbeatMs?: number
  /** `CLIENT SETNAME` of the subscribing connection. Default `keygate-revocations`. */
  connectionName?: string
  logger?: Logger
}

/**
 * A {@link RevocationBus} over Redis pub/sub. Messages are small JSON objects naming a token id
 * or user id (never a secret); delivery takes one Redis round trip. On every (re)connection the
 * bus subscribes again and reports `connected`, so listeners can drop what they may have missed;
 * a PING every `heartbeatMs` finds a connection that died silently.
 *
 * @throws TypeError for a missing client or channel.
 * @example
 * ```ts
 * const bus = createRedisRevocationBus({ client: redis, channel: 'keygate:revocations' })
 * bus.subscribe({ revoked: (r) => console.log(r.kind) })
 * await bus.start()
 * ```
 */
export function createRedisRevocationBus(options: RedisRevocationBusOptions): RevocationBus {
  const client = options?.client
  if (client === null || typeof client !== 'object' || typeof client.duplicate !== 'function') {
    throw new TypeError('createRedisRevocationBus(): client must be an ioredis client')
  }
  const channel = options.channel
  if (typeof channel !== 'string' || channel === '') {
    throw new TypeError('createRedisRevocationBus(): channel must be a non-empty string')
  }
  const heartbeatMs = options.heartbeatMs ?? 5000
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 1) {
    throw new TypeError('createRedisRevocationBus(): heartbeatMs must be a positive integer')
  }
  const logger = options.logger ?? silentLogger
  const origin = randomBytes(16).toString('hex')
  const listeners = createListeners(logger)
  const subscriber = client.duplicate({
    lazyConnect: true,
    autoResubscribe: false,
    connectionName: options.connectionName ?? 'keygate-revocations',
  })
  let connected = false
  let closed = false
  let started: Promise<boolean> | undefined

  subscriber.on('error', () => {})
  subscriber.on('ready', () => {
    // Subscribed by hand on every 'ready' (not ioredis's autoResubscribe), so that `connected`
    // is reported only once the subscription is in place: from then on nothing is missed.
    subscriber.subscribe(channel).then(
      () => {
        if (closed || connected) return
        connected = true
        listeners.connected()
      },
      (error: unknown) => {
        logger.warn(describeError(error), 'keygate: revocation bus could not subscribe; retrying')
        subscriber.disconnect(true)
      },
    )
  })
  subscriber.on('close', () => {
    if (!connected) return
    connected = false
    if (!closed) listeners.disconnected()
  })
  subscriber.on('message', (from: string, raw: string) => {
    if (from !== channel) return
    const message = decodeRevocation(raw)
    if (message.origin === origin) return
    listeners.revoked(message.revocation)
  })

  const heartbeat = setInterval(() => {
    if (!connected) return
    subscriber.ping().catch(() => {
      // No answer within the command timeout: drop the connection and reconnect.
      if (connected) subscriber.disconnect(true)
    })
  }, heartbeatMs)
  heartbeat.unref()

  return {
    kind: 'redis',
    get connected() {
      return connected
    },
    subscribe: (listener) => listeners.add(listener),
    start() {
      started ??= new Promise<boolean>((resolve) => {
        const remove = listeners.add({
          connected: () => {
            remove()
            subscriber.off('close', onClose)
            resolve(true)
          },
        })
        const onClose = () => {
          remove()
          resolve(false)
        }
        subscriber.once('close', onClose)
        subscriber.connect().catch(() => {})
      })
      return started
    },
    async publish(revocation) {
      await client.publish(channel, encodeRevocation(origin, revocation))
    },
    close() {
      closed = true
      connected = false
      clearInterval(heartbeat)
      listeners.clear()
      subscriber.disconnect()
      return Promise.resolve()
    },
  }
}
