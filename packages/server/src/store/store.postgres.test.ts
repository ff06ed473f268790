import { runStoreConformance } from '@keygate/testkit'
import { describe, it } from 'vitest'
import { dropSchema, PG_URL, postgresAvailable, testSchema } from './lib/postgres-test-url.js'
import { openStore } from './open-store.js'

const available = await postgresAvailable()

if (available) {
  const schema = testSchema()
  runStoreConformance({
    name: 'postgres',
    open: () => openStore({ url: PG_URL, schema }),
    cleanup: () => dropSchema(schema),
  })
} else {
  describe.skip('keygate store conformance: postgres (PostgreSQL unreachable)', () => {
    it('runs against PostgreSQL', () => {})
  })
}
