import type { Kysely } from 'kysely'

/**
 * The backlog of the revocation stream (`GET /v1/auth/revocations`, docs/remote-verification.md):
 * one row per revocation, numbered in the order written, so that a remote verifier that
 * reconnects with `Last-Event-ID: n` is sent every row after `n`. Only public ids: a token's
 * `tok_…`, a session's id, a user's UUID — never a token, digest or secret. Bounded: the oldest
 * rows beyond `introspection.backlog` are deleted as new ones are written.
 */
export async function up(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const pg = dialect === 'postgres'
  await db.schema
    .createTable('revocation_events')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) =>
      pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('at', pg ? 'timestamptz' : 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('grace_until', pg ? 'timestamptz' : 'integer')
    .execute()
}
