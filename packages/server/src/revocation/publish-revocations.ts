import type { ServerConfig } from '../config.js'
import { connectRedis, createRedisClient } from '../rate-limit/redis-client.js'
import { encodeRevocation } from './lib/message.js'
import { openRevocationBus } from './open-revocation-bus.js'
import type { Revocation } from './revocation-bus.js'

/** Options of {@link publishRevocations}. */
export type PublishRevocationsOptions = {
  /** The deployment's configuration: which bus, and where. */
  config: Pick<ServerConfig, 'database' | 'redis'>
  revocations: readonly Revocation[]
}

/**
 * Tells the running instances of a deployment about revocations made outside them — by a tool
 * that writes to the database directly, such as `keygate token revoke` — so that they drop the
 * tokens from their verification caches at once instead of within `cache.ttlMs`. Opens the bus
 * the configuration calls for (Redis pub/sub, else PostgreSQL `NOTIFY`), publishes, and closes it.
 *
 * Resolves `true` when every revocation was sent, `false` when there is no bus (SQLite) or it
 * could not be reached (the instances then see the change within `cache.ttlMs`).
 *
 * @throws TypeError when an id is not a public id (`[A-Za-z0-9_-]{1,128}`); never for an
 *   unreachable bus.
 *
 * @example
 * ```ts
 * await store.tokens.revoke(tokenId, new Date())
 * const sent = await publishRevocations({ config, revocations: [{ kind: 'token', tokenId }] })
 * ```
 */
export async function publishRevocations(options: PublishRevocationsOptions): Promise<boolean> {
  const { config, revocations } = options
  // A bad id is the caller's bug: said before anything is opened, whatever the bus's state.
  for (const revocation of revocations) encodeRevocation('', revocation)
  const redis =
    config.redis.url === undefined ? undefined : createRedisClient({ url: config.redis.url })
  try {
    if (redis !== undefined && !(await connectRedis(redis))) return false
    const bus = openRevocationBus({ config, redis })
    if (bus === undefined) return false
    try {
      // Redis publishes on the command connection; PostgreSQL needs its connection open first.
      if (bus.kind === 'postgres' && !(await bus.start())) return false
      for (const revocation of revocations) await bus.publish(revocation)
      return true
    } catch {
      return false
    } finally {
      await bus.close()
    }
  } finally {
    redis?.disconnect()
  }
}
