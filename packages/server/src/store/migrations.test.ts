import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { dropSchema, PG_URL, postgresAvailable, testSchema } from './lib/postgres-test-url.js'
import { MIGRATION_NAMES } from './migrations/index.js'
import { openStore } from './open-store.js'

const dir = join(tmpdir(), `keygate-migrations-${randomBytes(6).toString('hex')}`)
const schemas: string[] = []

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
  for (const schema of schemas) await dropSchema(schema)
})

describe('migrations on SQLite', () => {
  it('applies every migration once; migrating again, from another opening, is a no-op', async () => {
    const file = join(dir, 'a', 'b', 'keygate.db')
    const first = await openStore({ url: `sqlite:${file}` })
    expect(existsSync(join(dir, 'a', 'b'))).toBe(true)
    expect(await first.migrate()).toEqual({ applied: MIGRATION_NAMES })
    expect(await first.migrate()).toEqual({ applied: [] })
    await first.close()
    const second = await openStore({ url: `sqlite:${file}` })
    expect(await second.migrate()).toEqual({ applied: [] })
    await second.close()
    await second.close() // idempotent

    const raw = new BetterSqlite3(file, { readonly: true })
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    raw.close()
  })

  it('enforces foreign keys', async () => {
    const store = await openStore({ url: 'sqlite::memory:' })
    await store.migrate()
    await expect(
      store.tokens.create({
        userId: '00000000-0000-4000-8000-000000000000',
        name: 'orphan',
        scopes: [],
        expiresAt: new Date(),
        digest: 'd',
        hint: 'h',
      }),
    ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })
    await store.close()
  })
})

describe('openStore options', () => {
  it.each([
    [{ url: 'mysql://x' }, 'openStore(): url must start with sqlite: or postgres://'],
    [{ url: 'sqlite:' }, 'openStore(): url "sqlite:" needs a path, e.g. sqlite:./data/keygate.db'],
    [{}, 'openStore(): url is required'],
    [
      { url: PG_URL, schema: 'x; drop table users' },
      'openStore(): schema must be a plain PostgreSQL identifier ([A-Za-z_][A-Za-z0-9_]*)',
    ],
  ])('refuses %j', async (options, message) => {
    await expect(openStore(options as never)).rejects.toThrow(new TypeError(message))
  })
})

const available = await postgresAvailable()

describe.runIf(available)('migrations on PostgreSQL', () => {
  it('creates the schema, and migrating again is a no-op', async () => {
    const schema = testSchema()
    schemas.push(schema)
    const store = await openStore({ url: PG_URL, schema })
    expect(await store.migrate()).toEqual({ applied: MIGRATION_NAMES })
    expect(await store.migrate()).toEqual({ applied: [] })
    await store.close()
  })

  it('migrates while other schemas are created and dropped (the introspector’s catalog race)', async () => {
    const churn = new pg.Client({ connectionString: PG_URL })
    await churn.connect()
    let running = true
    const loop = (async () => {
      for (let i = 0; running; i++) {
        const name = `${testSchema()}_churn${i}`
        await churn.query(`create schema "${name}"`)
        await churn.query(`create table "${name}".t (id int)`)
        await churn.query(`drop schema "${name}" cascade`)
        // Other suites tearing down: a drop now and then, not one every instant.
        await new Promise((resolve) => setTimeout(resolve, 30))
      }
    })()
    try {
      for (let i = 0; i < 8; i++) {
        const schema = testSchema()
        schemas.push(schema)
        const store = await openStore({ url: PG_URL, schema })
        try {
          expect(await store.migrate()).toEqual({ applied: MIGRATION_NAMES })
        } finally {
          await store.close()
        }
      }
    } finally {
      running = false
      await loop
      await churn.end()
    }
  })

  it('is safe when several instances start at once: one applies, the others wait and see none', async () => {
    const schema = testSchema()
    schemas.push(schema)
    const stores = await Promise.all(
      Array.from({ length: 6 }, () => openStore({ url: PG_URL, schema })),
    )
    const results = await Promise.all(stores.map((s) => s.migrate()))
    expect(results.filter((r) => r.applied.length > 0)).toEqual([{ applied: MIGRATION_NAMES }])
    expect(await stores[0]!.users.count()).toBe(0)
    await Promise.all(stores.map((s) => s.close()))

    // Everything lives in the suite's schema, none of it in public.
    const client = new pg.Client({ connectionString: PG_URL })
    await client.connect()
    const { rows } = await client.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1 order by 1',
      [schema],
    )
    await client.end()
    expect(rows.map((r) => r.table_name)).toEqual([
      'api_tokens',
      'audit_events',
      'kysely_migration',
      'kysely_migration_lock',
      'revocation_events',
      'sessions',
      'setup_codes',
      'signing_keys',
      'users',
    ])
  })
})
