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
  /**
   * The first row of `sql` bound to `parameters`, as an array of its column values in the
   * order the query selects them, or `undefined`. Arrays, not objects: better-sqlite3 builds an
   * object per row with a property per column, which cost the API-token lookup 0.9 of its 5 µs
   * (docs/benchmarks.md).
   */
  values(sql: string, parameters: readonly unknown[]): unknown[] | undefined
  close(): void
}

export function createSyncReader(open: () => BetterSqlite3.Database): SyncReader {
  let database: BetterSqlite3.Database | undefined
  let closed = false
  // The few fixed query texts of the hot path, each prepared once.
  const statements = new Map<string, BetterSqlite3.Statement>()
  return {
    values(sql: string, parameters: readonly unknown[]): unknown[] | undefined {
      if (closed) throw new Error('openStore(): the store is closed')
      database ??= open()
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = database.prepare(sql).raw(true)
        statements.set(sql, statement)
      }
      return statement.get(parameters) as unknown[] | undefined
    },
    close() {
      closed = true
      statements.clear()
      database?.close()
      database = undefined
    },
  }
}
