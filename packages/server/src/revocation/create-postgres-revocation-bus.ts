import { createHash, randomBytes } from 'node:crypto'
import { describeError, silentLogger, type Logger } from '@keygate/core'
import pg from 'pg'
import { createListeners } from './lib/listeners.js'
import { decodeRevocation, encodeRevocation } from './lib/message.js'
import type { RevocationBus } from './revocation-bus.js'

/** Options of {@link createPostgresRevocationBus}. */
export type PostgresRevocationBusOptions = {
  /** The token service's database, `postgres://…`. */
  url: string
  /** The schema the tokens live in: deployments in different schemas do not hear each other. */
  schema?: string | undefined
  /** How often the connection is checked with `select 1`, in ms. Default 5000. */
  heartbeatMs?: number
  /** First wait before reconnecting, in ms; doubles up to 2 s. Default 100. */
  reconnectDelayMs?: number
  /** `application_name` of the listening connection. Default `keygate-revocations`. */
  applicationName?: string
  logger?: Logger
}

const MAX_CHANNEL = 63 // NAMEDATALEN - 1

/**
 * The `LISTEN`/`NOTIFY` channel of a schema: `keygate_revocations` (default schema),
 * `keygate_revocations_<schema>`, or, when that would not fit in an identifier, a hash of it.
 */
export function postgresRevocationChannel(schema: string | undefined): string {
  if (schema === undefined || schema === 'public') return 'keygate_revocations'
  const name = `keygate_revocations_${schema}`
  if (Buffer.byteLength(name) <= MAX_CHANNEL) return name
  return `keygate_revocations_${createHash('sha256').update(schema).digest('hex').slice(0, 32)}`
}

/**
 * A {@link RevocationBus} over PostgreSQL `LISTEN`/`NOTIFY`, for deployments with many instances
 * on PostgreSQL and no Redis. It holds one connection of its own (outside the store's pool, since
 * a listening connection must stay checked out), listens on {@link postgresRevocationChannel}
 * and publishes with `pg_notify` on the same connection. A lost connection is reopened (100 ms,
 * 200 ms, … up to 2 s apart); a `select 1` every `heartbeatMs` finds one that died silently.
 *
 * @throws TypeError for a URL that is not `postgres://`.
 * @example
 * ```ts
 * const bus = createPostgresRevocationBus({ url: process.env.KEYGATE_DATABASE_URL! })
 * bus.subscribe({ revoked: (r) => console.log(r.kind) })
 * await bus.start()
 * ```
 */
export function createPostgresRevocationBus(options: PostgresRevocationBusOptions): RevocationBus {
  const url = options?.url
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
    throw new TypeError('createPostgresRevocationBus(): url must start with postgres://')
  }
  const heartbeatMs = options.heartbeatMs ?? 5000
  const firstDelayMs = options.reconnectDelayMs ?? 100
  for (const [name, value] of [
    ['heartbeatMs', heartbeatMs],
    ['reconnectDelayMs', firstDelayMs],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new TypeError(`createPostgresRevocationBus(): ${name} must be a positive integer`)
    }
  }
  const logger = options.logger ?? silentLogger
  const channel = postgresRevocationChannel(options.schema)
  const origin = randomBytes(16).toString('hex')
  const listeners = createListeners(logger)
  let client: pg.Client | undefined
  let connected = false
  let closed = false
  let delayMs = firstDelayMs
  let retry: NodeJS.Timeout | undefined
  let started: Promise<boolean> | undefined
  let startResult: ((ok: boolean) => void) | undefined

  function lost(which: pg.Client): void {
    if (which !== client) return
    client = undefined
    which.end().catch(() => {})
    if (connected) {
      connected = false
      if (!closed) listeners.disconnected()
    }
    startResult?.(false)
    startResult = undefined
    if (closed) return
    retry = setTimeout(() => void open(), delayMs)
    retry.unref()
    delayMs = Math.min(delayMs * 2, 2000)
  }

  async function open(): Promise<void> {
    retry = undefined
    if (closed) return
    const next = new pg.Client({
      connectionString: url,
      application_name: options.applicationName ?? 'keygate-revocations',
      keepAlive: true,
      connectionTimeoutMillis: 2000,
      query_timeout: 2000,
    })
    client = next
    // Registered before connecting: an error on this connection must never crash the process.
    next.on('error', () => lost(next))
    next.on('end', () => lost(next))
    next.on('notification', (message) => {
      if (message.channel !== channel || message.payload === undefined) return
      const decoded = decodeRevocation(message.payload)
      if (decoded.origin === origin) return
      listeners.revoked(decoded.revocation)
    })
    try {
      await next.connect()
      await next.query(`listen ${next.escapeIdentifier(channel)}`)
    } catch (error) {
      if (client === next) {
        logger.warn(describeError(error), 'keygate: revocation bus could not listen; retrying')
      }
      lost(next)
      return
    }
    if (client !== next || closed) return
    delayMs = firstDelayMs
    connected = true
    listeners.connected()
    startResult?.(true)
    startResult = undefined
  }

  const heartbeat = setInterval(() => {
    const current = client
    if (!connected || current === undefined) return
    current.query('select 1').catch(() => lost(current))
  }, heartbeatMs)
  heartbeat.unref()

  return {
    kind: 'postgres',
    get connected() {
      return connected
    },
    subscribe: (listener) => listeners.add(listener),
    start() {
      started ??= new Promise<boolean>((resolve) => {
        startResult = resolve
        void open()
      })
      return started
    },
    async publish(revocation) {
      const current = client
      if (!connected || current === undefined) {
        throw new Error('revocation bus: not connected to PostgreSQL')
      }
      await current.query('select pg_notify($1, $2)', [
        channel,
        encodeRevocation(origin, revocation),
      ])
    },
    async close() {
      closed = true
      clearInterval(heartbeat)
      clearTimeout(retry)
      listeners.clear()
      const current = client
      client = undefined
      connected = false
      startResult?.(false)
      await current?.end().catch(() => {})
    },
  }
}
