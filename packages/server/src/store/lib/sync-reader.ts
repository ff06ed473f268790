import type BetterSqlite3 from 'better-sqlite3'

/**
 * Runs a compiled query synchronously on a read-only SQLite connection of its own, opened on
 * first use. It serves the API-token lookup without Kysely's asynchronous driver (its connection
 * mutex, its promises): with the verification cache off that path cost about as much as the
 * read itself (docs/benchmarks.md). A connection of its own, not Kysely's: Kysely's connection
 * may be inside a transaction between two awaits, and a read on it would see rows that
 * transaction has not committed yet (and may roll back); in WAL mode this one sees committed
 * rows only, and never waits for the writer.
 */
export type SyncReader = {
  /** The first row of `sql` bound to `parameters`, or `undefined`. */
  get<Row>(sql: string, parameters: readonly unknown[]): Row | undefined
  close(): void
}

export function createSyncReader(open: () => BetterSqlite3.Database): SyncReader {
  let database: BetterSqlite3.Database | undefined
  let closed = false
  // The few fixed query texts of the hot path, each prepared once.
  const statements = new Map<string, BetterSqlite3.Statement>()
  return {
    get<Row>(sql: string, parameters: readonly unknown[]): Row | undefined {
      if (closed) throw new Error('openStore(): the store is closed')
      database ??= open()
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = database.prepare(sql)
        statements.set(sql, statement)
      }
      return statement.get(parameters) as Row | undefined
    },
    close() {
      closed = true
      statements.clear()
      database?.close()
      database = undefined
    },
  }
}
