import { Redis } from 'ioredis'

/** Options of {@link createRedisClient}. */
export type RedisClientOptions = {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). */
  url: string
  /** Longest wait for a TCP connection, in ms. Default 1000. */
  connectTimeoutMs?: number
  /** Longest wait for one command's answer, in ms. Default 500. */
  commandTimeoutMs?: number
  /** `CLIENT SETNAME`, to find keygate's connections in `CLIENT LIST`. Default `keygate`. */
  connectionName?: string
}

function positiveInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`createRedisClient(): ${name} must be a positive integer`)
  }
  return value
}

/**
 * An ioredis client set up so that a request never hangs on a dead Redis: no offline queue (a
 * command while disconnected fails at once), one retry per command, bounded connect and command
 * timeouts. It reconnects in the background (50 ms, 100 ms, … up to 2 s apart). Not connected
 * yet: call {@link connectRedis}.
 *
 * @throws TypeError when the URL is not `redis://` or `rediss://`, or a timeout is not a positive
 *   integer.
 * @example
 * ```ts
 * const redis = createRedisClient({ url: 'redis://127.0.0.1:6379' })
 * await connectRedis(redis)
 * ```
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  if (typeof options?.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw new TypeError('createRedisClient(): url must start with redis:// or rediss://')
  }
  const client = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: positiveInt(options.connectTimeoutMs ?? 1000, 'connectTimeoutMs'),
    commandTimeout: positiveInt(options.commandTimeoutMs ?? 500, 'commandTimeoutMs'),
    connectionName: options.connectionName ?? 'keygate',
    retryStrategy: (times) => Math.min(times * 50, 2000),
  })
  // Connection errors are reported where a command fails, and by the users' own listeners;
  // without a listener, ioredis would print each reconnect failure.
  client.on('error', () => {})
  return client
}

/**
 * Starts connecting and resolves once the client is ready, or `false` after its first failure
 * (it keeps reconnecting in the background; commands fail fast until it is back).
 *
 * @example
 * ```ts
 * if (!(await connectRedis(redis))) log.warn({}, 'Redis unreachable at start')
 * ```
 */
export function connectRedis(client: Redis): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true)
  if (client.status === 'end') return Promise.resolve(false)
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      client.off('ready', onReady)
      client.off('close', onClose)
      resolve(ok)
    }
    const onReady = () => done(true)
    const onClose = () => done(false)
    client.once('ready', onReady)
    client.once('close', onClose)
    if (client.status === 'wait') client.connect().catch(() => {})
  })
}
