import { sql, type Kysely } from 'kysely'

/**
 * The pending one-time setup code (SPEC §9): one row at most (`id` = 1), holding the code's
 * SHA-256 digest, never the code. `claimed_at` is set by the one `POST /v1/setup` that wins; the
 * row is deleted once the first admin exists.
 */
export async function up(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const time = dialect === 'postgres' ? 'timestamptz' : 'integer'
  await db.schema
    .createTable('setup_codes')
    .addColumn('id', 'integer', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addColumn('claimed_at', time)
    .addPrimaryKeyConstraint('setup_codes_pkey', ['id'])
    .addCheckConstraint('setup_codes_one_row', sql`id = 1`)
    .execute()
}
