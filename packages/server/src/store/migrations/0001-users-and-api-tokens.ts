import { sql, type Kysely } from 'kysely'

/**
 * Users and API tokens (SPEC §5).
 *
 * Types per dialect: PostgreSQL gets `uuid`, `timestamptz`, `boolean` and `jsonb`; SQLite gets
 * `text`, integer milliseconds since the epoch (exact, and ordered like the instants), 0/1 and
 * JSON text.
 *
 * Token names are unique per user among *live* tokens only: a partial unique index on
 * (user_id, name) WHERE revoked_at IS NULL (both engines support partial indexes). A revoked
 * token keeps its name for the audit trail, and the user may reuse that name at once. An expired
 * but unrevoked token still holds its name: expiry is a moment, not a write, and a unique index
 * cannot depend on the clock; revoke it (or pick another name) to reuse the name.
 */
export async function up(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const pg = dialect === 'postgres'
  const uuid = pg ? 'uuid' : 'text'
  const time = pg ? 'timestamptz' : 'integer'
  const bool = pg ? 'boolean' : 'integer'
  const json = pg ? 'jsonb' : 'text'

  await db.schema
    .createTable('users')
    .addColumn('id', uuid, (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('slug', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('disabled', bool, (c) => c.notNull().defaultTo(pg ? false : 0))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('users_pkey', ['id'])
    .addUniqueConstraint('users_email_key', ['email'])
    .addUniqueConstraint('users_slug_key', ['slug'])
    .execute()

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', uuid, (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scopes', json, (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('previous_digest', 'text')
    .addColumn('grace_until', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addColumn('last_used_at', time)
    .addColumn('revoked_at', time)
    .addPrimaryKeyConstraint('api_tokens_pkey', ['id'])
    .addUniqueConstraint('api_tokens_digest_key', ['digest'])
    .addForeignKeyConstraint('api_tokens_user_id_fkey', ['user_id'], 'users', ['id'], (c) =>
      c.onDelete('cascade'),
    )
    .execute()

  await db.schema
    .createIndex('api_tokens_user_name_live')
    .on('api_tokens')
    .columns(['user_id', 'name'])
    .unique()
    .where(sql.ref('revoked_at'), 'is', null)
    .execute()
  // The rotation grace lookup: `previous_digest = ?` implies NOT NULL, so the partial index serves it.
  await db.schema
    .createIndex('api_tokens_previous_digest')
    .on('api_tokens')
    .column('previous_digest')
    .where(sql.ref('previous_digest'), 'is not', null)
    .execute()
  // Keyset pagination, newest first: (user_id, created_at, id) and (created_at, id).
  await db.schema
    .createIndex('api_tokens_user_created')
    .on('api_tokens')
    .columns(['user_id', 'created_at', 'id'])
    .execute()
  await db.schema
    .createIndex('api_tokens_created')
    .on('api_tokens')
    .columns(['created_at', 'id'])
    .execute()
  await db.schema.createIndex('users_created').on('users').columns(['created_at', 'id']).execute()
}
