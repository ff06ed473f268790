import pg from 'pg'
import { describe, it } from 'vitest'

/** The PostgreSQL the suites use: `KEYGATE_TEST_PG_URL`, or the local `test` database. */
export const TEST_PG_URL = process.env.KEYGATE_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test'

/**
 * Whether PostgreSQL answers at `url` within 3 s. Suites probe it once, at the top of the file,
 * and skip their PostgreSQL half when it does not (failing instead when `CI=true`).
 *
 * @example
 * ```ts
 * const postgresUp = await postgresReachable()
 * ```
 */
export async function postgresReachable(url: string = TEST_PG_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** A fresh schema name of its own (created by whatever migrates into it), and its `drop()`. */
export type TestSchema = { readonly schema: string; readonly drop: () => Promise<void> }

/**
 * A schema name no other test uses, `<prefix>_<random>`, and a `drop()` that removes the schema
 * and everything in it.
 *
 * @example
 * ```ts
 * const { schema, drop } = postgresSchema('kg_server')
 * ```
 */
export function postgresSchema(prefix: string, url: string = TEST_PG_URL): TestSchema {
  const schema = `${prefix}_${Math.random().toString(36).slice(2, 10)}`
  return {
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        await client.query(`drop schema if exists "${schema}" cascade`)
      } finally {
        await client.end()
      }
    },
  }
}

/** The two backends a suite of the token service runs on. */
export type TestBackend = 'sqlite' | 'postgres'

/**
 * A `forEachBackend(name, body)` that registers `body` once per backend, in a `describe` named
 * `name [sqlite]` and `name [postgres]`. When `postgresUp` is false the PostgreSQL one is
 * skipped locally, and runs (and fails) when `CI=true`.
 *
 * @example
 * ```ts
 * export const forEachBackend = backendSuites(await postgresReachable())
 * forEachBackend('tokens', (backend) => { … })
 * ```
 */
export function backendSuites(
  postgresUp: boolean,
  url: string = TEST_PG_URL,
): (name: string, body: (backend: TestBackend) => void) => void {
  return (name, body) => {
    for (const backend of ['sqlite', 'postgres'] as const) {
      describe(`${name} [${backend}]`, () => {
        if (backend === 'postgres' && !postgresUp && process.env.CI !== 'true') {
          it.skip(`PostgreSQL unreachable at ${url} (CI=true fails instead of skipping)`, () => {})
          return
        }
        body(backend)
      })
    }
  }
}
