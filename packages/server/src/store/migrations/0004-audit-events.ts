import type { Kysely } from 'kysely'

/**
 * The audit log (docs/audit-log.md): append-only, one row per event.
 *
 * `id` is a time-ordered UUID (v7) so that (at, id) follows the order events were written, within
 * a millisecond too. `user_id` and `actor_id` carry no foreign key: the log outlives what it
 * mentions, and `actor_id` names services as well as users. Lists are newest first, by (at, id),
 * filtered by user, actor or action: one index each.
 */
export async function up(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const pg = dialect === 'postgres'
  const time = pg ? 'timestamptz' : 'integer'
  const json = pg ? 'jsonb' : 'text'

  await db.schema
    .createTable('audit_events')
    .addColumn('id', pg ? 'uuid' : 'text', (c) => c.notNull())
    .addColumn('at', time, (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('token_id', 'text')
    .addColumn('client_ip', 'text')
    .addColumn('request_id', 'text')
    .addColumn('details', json, (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_events_pkey', ['id'])
    .execute()

  await db.schema.createIndex('audit_events_at').on('audit_events').columns(['at', 'id']).execute()
  await db.schema
    .createIndex('audit_events_user_at')
    .on('audit_events')
    .columns(['user_id', 'at', 'id'])
    .execute()
  await db.schema
    .createIndex('audit_events_actor_at')
    .on('audit_events')
    .columns(['actor_id', 'at', 'id'])
    .execute()
  await db.schema
    .createIndex('audit_events_action_at')
    .on('audit_events')
    .columns(['action', 'at', 'id'])
    .execute()
}
