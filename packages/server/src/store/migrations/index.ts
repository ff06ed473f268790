import type { Migration, MigrationProvider } from 'kysely'
import * as m0001 from './0001-users-and-api-tokens.js'
import * as m0002 from './0002-sessions-and-signing-keys.js'
import * as m0003 from './0003-setup-codes.js'
import * as m0004 from './0004-audit-events.js'
import * as m0005 from './0005-revocation-events.js'

type MigrationModule = {
  up(db: Parameters<Migration['up']>[0], dialect: 'sqlite' | 'postgres'): Promise<void>
}

/**
 * Every migration, in order. Names sort lexically and are recorded in `kysely_migration`: never
 * rename one that has shipped; add a new module with the next number. Migrations are statically
 * imported (not read from a folder at run time) so a bundled build carries them.
 */
const MIGRATIONS: Readonly<Record<string, MigrationModule>> = {
  '0001_users_and_api_tokens': m0001,
  '0002_sessions_and_signing_keys': m0002,
  '0003_setup_codes': m0003,
  '0004_audit_events': m0004,
  '0005_revocation_events': m0005,
}

/** The names of every migration, in order. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS).sort()

/** A static Kysely migration provider for one dialect. */
export function migrationProvider(dialect: 'sqlite' | 'postgres'): MigrationProvider {
  const migrations: Record<string, Migration> = {}
  for (const [name, module] of Object.entries(MIGRATIONS)) {
    migrations[name] = { up: (db) => module.up(db, dialect) }
  }
  return { getMigrations: () => Promise.resolve(migrations) }
}
