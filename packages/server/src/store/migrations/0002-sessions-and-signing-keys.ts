import type { Kysely } from 'kysely'

/**
 * Signed sessions (SPEC §6, docs/sessions.md): the keys that sign them and one row per issued
 * session.
 *
 * `signing_keys`: every instance signs with, and publishes, the keys in this table, so several
 * instances share them. `generation` is unique: when two instances rotate at once, one insert
 * wins and the other reloads. `private_jwk` holds the private JWK as JSON text, or sealed with
 * AES-256-GCM (`v1.<iv>.<ciphertext>`) when `sessions.keyEncryptionSecret` is configured.
 *
 * `sessions`: written once at login; `revoked_at` is set at logout and, for every session of the
 * user, when the user is disabled. Rows are deleted some time after `expires_at`.
 */
export async function up(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const pg = dialect === 'postgres'
  const uuid = pg ? 'uuid' : 'text'
  const time = pg ? 'timestamptz' : 'integer'

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('activates_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('signing_keys_pkey', ['kid'])
    .addUniqueConstraint('signing_keys_generation_key', ['generation'])
    .execute()

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', uuid, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addColumn('revoked_at', time)
    .addPrimaryKeyConstraint('sessions_pkey', ['id'])
    .addForeignKeyConstraint('sessions_user_id_fkey', ['user_id'], 'users', ['id'], (c) =>
      c.onDelete('cascade'),
    )
    .execute()
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute()
  await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute()
}
