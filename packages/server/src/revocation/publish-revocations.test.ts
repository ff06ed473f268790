import { describe, expect, it } from 'vitest'
import {
  closedPort,
  deleteKeys,
  REDIS_URL,
  redisAvailable,
  testClient,
  testKeyPrefix,
} from '../../test/redis.js'
import { record } from '../../test/revocation-bus-contract.js'
import { defaultConfig } from '../config.js'
import { connectRedis, createRedisClient } from '../rate-limit/redis-client.js'
import { PG_URL, postgresAvailable, testSchema } from '../store/lib/postgres-test-url.js'
import { createPostgresRevocationBus } from './create-postgres-revocation-bus.js'
import { createRedisRevocationBus } from './create-redis-revocation-bus.js'
import { publishRevocations } from './publish-revocations.js'

const [redisUp, postgresUp] = [await redisAvailable(), await postgresAvailable()]
const revocations = [
  { kind: 'token', tokenId: 'tok_cli1' },
  { kind: 'user', userId: '8a6e0804-2bd0-4567-8f2e-3b5a6a8b9c0d' },
] as const

function config(database: string, redis?: string, schema?: string, keyPrefix = 'keygate:') {
  const defaults = defaultConfig()
  return {
    database: { ...defaults.database, url: database, schema },
    redis: { url: redis, keyPrefix },
  }
}

describe('publishRevocations()', () => {
  it.runIf(redisUp)('over Redis: the running instances receive every revocation', async () => {
    const prefix = testKeyPrefix()
    const client = createRedisClient({ url: REDIS_URL })
    await connectRedis(client)
    const bus = createRedisRevocationBus({ client, channel: `${prefix}revocations` })
    const at = record(bus)
    expect(await bus.start()).toBe(true)
    try {
      const sent = await publishRevocations({
        config: config('sqlite:./unused.db', REDIS_URL, undefined, prefix),
        revocations,
      })
      expect(sent).toBe(true)
      expect([await at.next(), await at.next()]).toEqual(revocations)
    } finally {
      await bus.close()
      client.disconnect()
      const admin = testClient()
      await deleteKeys(admin, prefix)
      admin.disconnect()
    }
  })

  it.runIf(postgresUp)('over PostgreSQL NOTIFY when there is no Redis', async () => {
    const schema = testSchema()
    const bus = createPostgresRevocationBus({ url: PG_URL, schema })
    const at = record(bus)
    expect(await bus.start()).toBe(true)
    try {
      expect(
        await publishRevocations({ config: config(PG_URL, undefined, schema), revocations }),
      ).toBe(true)
      expect([await at.next(), await at.next()]).toEqual(revocations)
    } finally {
      await bus.close()
    }
  })

  it('false on SQLite (no bus) and when Redis is unreachable; never throws for that', async () => {
    expect(await publishRevocations({ config: config('sqlite::memory:'), revocations })).toBe(false)
    const down = `redis://127.0.0.1:${await closedPort()}`
    expect(await publishRevocations({ config: config(PG_URL, down), revocations })).toBe(false)
  })

  it('throws for an id that is not a public id', async () => {
    await expect(
      publishRevocations({
        config: config('sqlite::memory:'),
        revocations: [{ kind: 'token', tokenId: 'not a public id' }],
      }),
    ).rejects.toThrow('revocation: token id must be 1-128 of [A-Za-z0-9_-]')
  })
})
