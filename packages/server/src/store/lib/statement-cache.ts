import type { SqliteDatabase, SqliteStatement } from 'kysely'

/**
 * Statements kept per database: more than the service's fixed query texts; texts that vary with
 * a batch's size (N rows at once) come and go without pushing out the ones used all the time.
 */
export const STATEMENT_CACHE_SIZE = 256

type Prepares = {
  prepare(sql: string): SqliteStatement
  close(): unknown
}

/**
 * better-sqlite3 as Kysely's `SqliteDialect` sees it, with one prepared statement kept per query
 * text. Kysely's SQLite driver calls `prepare` for every query it runs, SQLite parsing and
 * planning the SQL again: on the API-token route with the verification cache off, this cache and
 * compiling the lookup once took a request from 178 to 106 µs of CPU (docs/benchmarks.md).
 * A statement is reused only by the one connection Kysely serialises its queries through, so two
 * queries never share one at the same time; SQLite re-prepares a kept statement by itself when a
 * migration changes the schema.
 * The least recently used statement goes once {@link STATEMENT_CACHE_SIZE} are kept.
 */
export function cachedStatements(
  database: Prepares,
  size: number = STATEMENT_CACHE_SIZE,
): SqliteDatabase {
  const kept = new Map<string, SqliteStatement>()
  return {
    prepare(sql) {
      let statement = kept.get(sql)
      if (statement !== undefined) {
        // Most recently used last: a Map iterates in insertion order.
        kept.delete(sql)
      } else {
        statement = database.prepare(sql)
        if (kept.size >= size) kept.delete(kept.keys().next().value as string)
      }
      kept.set(sql, statement)
      return statement
    },
    close() {
      kept.clear()
      database.close()
    },
  }
}
