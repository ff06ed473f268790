import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type BetterSqlite3Type from 'better-sqlite3'
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely'
import { createAuditStore } from './lib/create-audit-store.js'
import { createRevocationEventStore } from './lib/create-revocation-event-store.js'
import { createSessionStore } from './lib/create-session-store.js'
import { createSigningKeyStore } from './lib/create-signing-key-store.js'
import { createTokenStore } from './lib/create-token-store.js'
import { createUserStore } from './lib/create-user-store.js'
import { cachedStatements } from './lib/statement-cache.js'
import { createSyncReader, type SyncReader } from './lib/sync-reader.js'
import { postgresCodec, sqliteCodec, type Codec, type Database, type DB } from './lib/database.js'
import { migrationProvider } from './migrations/index.js'
import { createSetupStore } from './setup-store.js'
import type { OpenStoreOptions, Store } from './types.js'

const SCHEMA = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/
// First half of the two-key advisory lock ("kg"); the second is hashtext(schema).
const LOCK_CLASS = 0x6b67
const BUSY_TIMEOUT_MS = 5000

type Opened = {
  db: DB
  /** The database as queries see it: `withSchema(schema)` on PostgreSQL when a schema is set. */
  scoped: DB
  codec: Codec
  /** SQLite on a file: the read-only connection of the synchronous API-token lookup. */
  reader?: SyncReader
  migrate(): Promise<string[]>
}

/** `sqlite:<path>`, `sqlite:///abs/path` or `sqlite::memory:` to a better-sqlite3 filename. */
function sqlitePath(url: string): string {
  let path = url.slice('sqlite:'.length)
  if (path.startsWith('//')) path = path.slice(2)
  if (path === '')
    throw new TypeError('openStore(): url "sqlite:" needs a path, e.g. sqlite:./data/keygate.db')
  return path
}

async function openSqlite(url: string): Promise<Opened> {
  const path = sqlitePath(url)
  const memory = path === ':memory:'
  if (!memory) {
    // The database holds password hashes and (sealed) signing keys: the directory is created
    // 0700 and the file 0600 whatever the umask; SQLite gives its -wal and -shm files the
    // database file's mode. An existing directory or file keeps the mode it has.
    mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 })
    closeSync(openSync(path, 'a', 0o600))
  }
  // Each driver is loaded when a URL asks for it: a SQLite deployment never loads pg, and a
  // PostgreSQL one never loads the native SQLite addon.
  const { default: BetterSqlite3 } = (await import('better-sqlite3')) as unknown as {
    default: typeof BetterSqlite3Type
  }
  const database = new BetterSqlite3(memory ? ':memory:' : path)
  try {
    // WAL: readers never block the writer; NORMAL is durable across crashes of the process in
    // WAL mode. busy_timeout: wait for another process's write lock instead of failing at once.
    if (!memory) database.pragma('journal_mode = WAL')
    database.pragma('synchronous = NORMAL')
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    database.pragma('foreign_keys = ON')
  } catch (error) {
    database.close()
    throw error
  }
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: cachedStatements(database) }),
  })
  const file = resolve(path)
  const reader = memory
    ? undefined
    : createSyncReader(() => {
        // Resolved now, not when the first lookup opens it: a later chdir must not move it.
        const connection = new BetterSqlite3(file, { readonly: true, fileMustExist: true })
        connection.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
        return connection
      })
  return {
    db,
    scoped: db,
    codec: sqliteCodec,
    ...(reader !== undefined && { reader }),
    async migrate() {
      // One connection per process (Kysely serialises it); SQLite's own write lock, with
      // busy_timeout, serialises processes.
      return runMigrator(new Migrator({ db, provider: migrationProvider('sqlite') }))
    },
  }
}

async function openPostgres(url: string, schema: string | undefined): Promise<Opened> {
  if (schema !== undefined && (typeof schema !== 'string' || !SCHEMA.test(schema))) {
    throw new TypeError(
      'openStore(): schema must be a plain PostgreSQL identifier ([A-Za-z_][A-Za-z0-9_]*)',
    )
  }
  const { default: pg } = await import('pg')
  const pool = new pg.Pool({ connectionString: url })
  // An idle client's error (server restart, network) must not crash the process: the next
  // query fails and is reported where it runs.
  pool.on('error', () => {})
  // A client checked out of the pool has no error listener (pg-pool removes its own while the
  // client is lent out), and pg emits 'error' on it when its connection dies mid-query — a backend
  // terminated, a network cut. Unheard, that event would crash the process; the query itself
  // still rejects, and the route answers 503.
  pool.on('connect', (client) => {
    client.on('error', () => {})
  })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  const scoped = schema === undefined ? db : db.withSchema(schema)
  return {
    db,
    scoped,
    codec: postgresCodec,
    async migrate() {
      // A session advisory lock held on one connection for the whole run: concurrent starts
      // wait for each other, and the schema is created under it too (CREATE SCHEMA IF NOT EXISTS
      // is not safe under concurrency on its own).
      return db.connection().execute(async (conn) => {
        await sql`select pg_advisory_lock(${LOCK_CLASS}::int, hashtext(${schema ?? 'public'}))`.execute(
          conn,
        )
        try {
          if (schema !== undefined)
            await sql`create schema if not exists ${sql.id(schema)}`.execute(conn)
          return await runMigrator(
            new Migrator({
              db: scoped,
              provider: migrationProvider('postgres'),
              ...(schema === undefined ? {} : { migrationTableSchema: schema }),
            }),
          )
        } finally {
          await sql`select pg_advisory_unlock(${LOCK_CLASS}::int, hashtext(${schema ?? 'public'}))`.execute(
            conn,
          )
        }
      })
    },
  }
}

/**
 * Kysely's migrator looks for its own tables through the PostgreSQL introspector, which reads the
 * catalog of every schema; another schema dropped at that very moment (another deployment, a test
 * suite tearing down) fails it with `3F000 schema "…" does not exist` though nothing is wrong with
 * ours. That setup step is retried a few times; any other failure is final.
 */
function isCatalogRace(error: unknown, results: readonly { status: string }[]): boolean {
  if (results.some((r) => r.status === 'Error')) return false
  return (error as { code?: unknown } | null)?.code === '3F000'
}

async function runMigrator(migrator: Migrator): Promise<string[]> {
  let { error, results = [] } = await migrator.migrateToLatest()
  for (
    let attempt = 1;
    attempt < 4 && error !== undefined && isCatalogRace(error, results);
    attempt++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 20 * attempt))
    ;({ error, results = [] } = await migrator.migrateToLatest())
  }
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName
    throw new Error(`openStore(): migration ${failed ?? '(setup)'} failed`, { cause: error })
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/**
 * Opens the token service's store (SPEC §9): SQLite for one machine, PostgreSQL for many. Does
 * not migrate: call `migrate()` (the server does at start; `keygate migrate` does on demand).
 *
 * - `sqlite:<path>` (relative to the working directory; the parent directory is created),
 *   `sqlite:///absolute/path`, `sqlite::memory:`. WAL mode, `busy_timeout` 5 s, foreign keys on.
 * - `postgres://…` / `postgresql://…` (a `pg` pool). `schema` puts every table, and the migration
 *   bookkeeping, in that schema (created by `migrate()` when missing). Ignored for SQLite.
 *
 * @throws TypeError for an unsupported URL or a bad schema name.
 * @example
 * ```ts
 * const store = await openStore({ url: process.env.KEYGATE_DATABASE_URL ?? 'sqlite:./data/keygate.db' })
 * await store.migrate()
 * const user = await store.users.findByEmail('ada@example.com')
 * ```
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options === null || typeof options !== 'object' || typeof options.url !== 'string') {
    throw new TypeError('openStore(): url is required')
  }
  const { url } = options
  let opened: Opened
  if (url.startsWith('sqlite:')) opened = await openSqlite(url)
  else if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    opened = await openPostgres(url, options.schema)
  } else {
    throw new TypeError('openStore(): url must start with sqlite: or postgres://')
  }
  const { db, scoped, codec, reader } = opened
  let closed: Promise<void> | undefined
  return Promise.resolve({
    dialect: codec.dialect,
    users: createUserStore(scoped, codec),
    tokens: createTokenStore(scoped, codec, reader),
    audit: createAuditStore(scoped, codec),
    revocationEvents: createRevocationEventStore(scoped, codec),
    setup: createSetupStore(scoped, codec),
    signingKeys: createSigningKeyStore(scoped, codec),
    sessions: createSessionStore(scoped, codec),
    async migrate() {
      return { applied: await opened.migrate() }
    },
    async ping() {
      // A table, not `select 1`: SQLite answers that without reading its file, so a database
      // file gone bad (overwritten, truncated, unreadable) would still look ready.
      await scoped
        .selectFrom('users')
        .select(sql<number>`1`.as('one'))
        .limit(1)
        .execute()
      // And the read-only connection of the synchronous token lookup (opened here if no lookup
      // has yet): a store whose verifications would fail is not ready.
      reader?.values('select 1 as one from users limit 1', [])
    },
    close() {
      closed ??= db.destroy().finally(() => reader?.close())
      return closed
    },
  })
}
