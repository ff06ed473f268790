/**
 * The Redis server the tests use, and helpers to keep each suite in its own key space. With
 * `CI=true` an unreachable Redis fails the suite; locally it is skipped with a message saying why.
 */
import { randomBytes } from 'node:crypto'
import { createServer as createNetServer } from 'node:net'
import { Redis } from 'ioredis'

export const REDIS_URL = process.env.KEYGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A fresh key prefix for one suite: `kgtest:<random>:`. */
export function testKeyPrefix(): string {
  return `kgtest:${randomBytes(6).toString('hex')}:`
}

/** A plain client for the test itself (inspecting and deleting keys), with an offline queue. */
export function testClient(): Redis {
  return new Redis(REDIS_URL, { connectTimeout: 3000, maxRetriesPerRequest: 1 })
}

/** Whether Redis answers; throws under `CI=true` when it does not. */
export async function redisAvailable(): Promise<boolean> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  let lastError: unknown
  client.on('error', (error) => (lastError = error))
  try {
    await client.connect()
    await client.ping()
    return true
  } catch (error) {
    // ioredis rejects with "Connection is closed"; the 'error' event had the socket's code.
    const code = ((lastError ?? error) as { code?: unknown } | null)?.code
    const reason =
      typeof code === 'string' ? code : error instanceof Error ? error.name : typeof error
    const host = new URL(REDIS_URL).host
    if (process.env.CI === 'true') {
      throw new Error(`Redis at ${host} is unreachable (${reason}); CI requires it`)
    }
    console.warn(`Skipping Redis tests: ${host} is unreachable (${reason})`)
    return false
  } finally {
    client.disconnect()
  }
}

/** Every key under `prefix` (SCAN, never KEYS). */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const out: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    out.push(...keys)
    cursor = next
  } while (cursor !== '0')
  return out
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(client, prefix)
  if (keys.length > 0) await client.del(...keys)
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
