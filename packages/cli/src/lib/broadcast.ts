import { publishRevocations, type Revocation, type ServerConfig } from '@keygate/server'
import type { IO } from './io.js'

/**
 * Tells running instances about a revocation made here, over the deployment's bus (Redis, else
 * PostgreSQL NOTIFY), so they drop it from their caches at once. Without a bus (SQLite without
 * Redis), or when it cannot be reached, says on stderr how long the instances may still accept
 * it. Never fails the command: the database already holds the revocation.
 */
export async function broadcast(
  config: ServerConfig,
  revocations: readonly Revocation[],
  io: IO,
  quiet: boolean,
): Promise<boolean> {
  let sent = false
  try {
    sent = await publishRevocations({ config, revocations })
  } catch {
    sent = false
  }
  if (!sent && !quiet && config.cache.ttlMs > 0) {
    io.stderr.write(
      `keygate: note: running instances were not told directly; they stop accepting it within cache.ttlMs (${config.cache.ttlMs} ms)\n`,
    )
  }
  return sent
}
