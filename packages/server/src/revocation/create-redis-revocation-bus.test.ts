import { describe, expect, it } from 'vitest'
import {
  closedPort,
  deleteKeys,
  REDIS_URL,
  redisAvailable,
  testClient,
  testKeyPrefix,
} from '../../test/redis.js'
import { runRevocationBusContract } from '../../test/revocation-bus-contract.js'
import { connectRedis, createRedisClient } from '../rate-limit/redis-client.js'
import { createRedisRevocationBus } from './create-redis-revocation-bus.js'

const available = await redisAvailable()

describe.runIf(available)('createRedisRevocationBus() on a real Redis', () => {
  const prefix = testKeyPrefix()
  const channel = `${prefix}revocations`
  const otherChannel = `${testKeyPrefix()}revocations`
  const admin = testClient()
  const publisher = createRedisClient({ url: REDIS_URL })
  const ready = connectRedis(publisher)

  runRevocationBusContract({
    bus: (name) => createRedisRevocationBus({ client: publisher, channel, connectionName: name }),
    otherBus: (name) =>
      createRedisRevocationBus({ client: publisher, channel: otherChannel, connectionName: name }),
    async raw(payload, options = {}) {
      await admin.publish(options.other === true ? otherChannel : channel, payload)
    },
    async kill(name) {
      await ready
      const line = ((await admin.client('LIST')) as string)
        .split('\n')
        .find((l) => l.includes(` name=${name} `))
      const id = line?.match(/^id=(\d+)/)?.[1]
      if (id === undefined) throw new Error(`no Redis connection named ${name}`)
      await admin.client('KILL', 'ID', id)
    },
    async cleanup() {
      publisher.disconnect()
      await deleteKeys(admin, prefix)
      admin.disconnect()
    },
  })
})

describe('createRedisRevocationBus() with Redis unreachable', () => {
  it('start() resolves false (and keeps retrying until closed)', async () => {
    const client = createRedisClient({ url: `redis://127.0.0.1:${await closedPort()}` })
    const bus = createRedisRevocationBus({ client, channel: 'kgtest:down:revocations' })
    expect(await bus.start()).toBe(false)
    expect(bus.connected).toBe(false)
    await expect(bus.publish({ kind: 'all' })).rejects.toThrow()
    await bus.close()
    client.disconnect()
  })

  it('validates its options', () => {
    const client = createRedisClient({ url: REDIS_URL })
    expect(() => createRedisRevocationBus({ client, channel: '' })).toThrow(
      'createRedisRevocationBus(): channel must be a non-empty string',
    )
    client.disconnect()
  })
})
