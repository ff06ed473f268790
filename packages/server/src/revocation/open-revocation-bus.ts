import type { Logger } from '@keygate/core'
import type { Redis } from 'ioredis'
import type { ServerConfig } from '../config.js'
import { createPostgresRevocationBus } from './create-postgres-revocation-bus.js'
import { createRedisRevocationBus } from './create-redis-revocation-bus.js'
import type { RevocationBus } from './revocation-bus.js'

/** Options of {@link openRevocationBus}. */
export type OpenRevocationBusOptions = {
  config: Pick<ServerConfig, 'database' | 'redis'>
  /** The server's Redis client when `redis.url` is set (the bus publishes on it). */
  redis?: Redis | undefined
  logger?: Logger
}

/**
 * The revocation bus a deployment's configuration calls for (docs/scaling.md): Redis pub/sub on
 * `<redis.keyPrefix>revocations` when Redis is configured; else PostgreSQL `LISTEN`/`NOTIFY`
 * when the database is PostgreSQL; else none — SQLite is one instance, where revoking drops the
 * token from the only cache there is. Not started: `connectRevocations` starts it.
 *
 * @example
 * ```ts
 * const bus = openRevocationBus({ config, redis })
 * if (bus !== undefined) connectRevocations({ bus, target: strategy })
 * ```
 */
export function openRevocationBus(options: OpenRevocationBusOptions): RevocationBus | undefined {
  const { config, redis, logger } = options
  if (redis !== undefined) {
    return createRedisRevocationBus({
      client: redis,
      channel: `${config.redis.keyPrefix}revocations`,
      logger,
    })
  }
  if (/^postgres(ql)?:\/\//.test(config.database.url)) {
    return createPostgresRevocationBus({
      url: config.database.url,
      schema: config.database.schema,
      logger,
    })
  }
  return undefined
}
