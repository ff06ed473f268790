import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The PostgreSQL server the tests use (CI sets KEYGATE_TEST_PG_URL; trust auth locally). */
export const PG_URL = process.env.KEYGATE_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test'

/** A fresh schema name for one suite. */
export function testSchema(): string {
  return `kg_test_${randomBytes(6).toString('hex')}`
}

/**
 * Whether PostgreSQL answers. With `CI=true` an unreachable server throws (the suite fails,
 * never skips); locally the suite is skipped with a message saying why.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    const reason =
      typeof code === 'string' ? code : error instanceof Error ? error.name : typeof error
    if (process.env.CI === 'true') {
      throw new Error(
        `PostgreSQL at ${new URL(PG_URL).host} is unreachable (${reason}); CI requires it`,
      )
    }
    console.warn(`Skipping PostgreSQL tests: ${new URL(PG_URL).host} is unreachable (${reason})`)
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** Drops a suite's schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    // The name comes from testSchema(): [a-z0-9_] only; quoted as an identifier all the same.
    await client.query(`drop schema if exists ${client.escapeIdentifier(schema)} cascade`)
  } finally {
    await client.end()
  }
}
