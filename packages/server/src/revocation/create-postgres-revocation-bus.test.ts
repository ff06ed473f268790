import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { closedPort } from '../../test/redis.js'
import { runRevocationBusContract } from '../../test/revocation-bus-contract.js'
import { PG_URL, postgresAvailable, testSchema } from '../store/lib/postgres-test-url.js'
import {
  createPostgresRevocationBus,
  postgresRevocationChannel,
} from './create-postgres-revocation-bus.js'

const available = await postgresAvailable()

describe('postgresRevocationChannel()', () => {
  it('names one channel per schema, within PostgreSQL’s 63-byte identifiers', () => {
    expect(postgresRevocationChannel(undefined)).toBe('keygate_revocations')
    expect(postgresRevocationChannel('public')).toBe('keygate_revocations')
    expect(postgresRevocationChannel('tenant_a')).toBe('keygate_revocations_tenant_a')
    const long = postgresRevocationChannel('s'.repeat(63))
    expect(long).toMatch(/^keygate_revocations_[0-9a-f]{32}$/)
    expect(long.length).toBeLessThanOrEqual(63)
  })

  it('start() resolves false when PostgreSQL is unreachable (and retries until closed)', async () => {
    const bus = createPostgresRevocationBus({
      url: `postgres://root@127.0.0.1:${await closedPort()}/x`,
    })
    expect(await bus.start()).toBe(false)
    expect(bus.connected).toBe(false)
    await bus.close()
  })

  it('validates its options', () => {
    expect(() => createPostgresRevocationBus({ url: 'sqlite:x.db' })).toThrow(
      'createPostgresRevocationBus(): url must start with postgres://',
    )
    expect(() => createPostgresRevocationBus({ url: PG_URL, heartbeatMs: 0 })).toThrow(
      'createPostgresRevocationBus(): heartbeatMs must be a positive integer',
    )
  })
})

describe.runIf(available)('createPostgresRevocationBus() on a real PostgreSQL', () => {
  // LISTEN/NOTIFY needs no table: the schema only names the channel.
  const schema = testSchema()
  const otherSchema = testSchema()
  const admin = new pg.Client({ connectionString: PG_URL })
  const connecting = admin.connect()

  runRevocationBusContract({
    bus: (name) => createPostgresRevocationBus({ url: PG_URL, schema, applicationName: name }),
    otherBus: (name) =>
      createPostgresRevocationBus({ url: PG_URL, schema: otherSchema, applicationName: name }),
    async raw(payload, options = {}) {
      await connecting
      const channel = postgresRevocationChannel(options.other === true ? otherSchema : schema)
      await admin.query('select pg_notify($1, $2)', [channel, payload])
    },
    async kill(name) {
      await connecting
      const { rowCount } = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [name],
      )
      if (rowCount !== 1) throw new Error(`no PostgreSQL connection named ${name}`)
    },
    async cleanup() {
      await connecting
      await admin.end()
    },
  })

  it('publish rejects while not connected', async () => {
    const bus = createPostgresRevocationBus({ url: PG_URL, schema })
    await expect(bus.publish({ kind: 'all' })).rejects.toThrow(
      'revocation bus: not connected to PostgreSQL',
    )
    await bus.close()
  })
})
