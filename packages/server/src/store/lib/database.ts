import type { Generated, Kysely } from 'kysely'

/**
 * Column values as each driver hands them over: PostgreSQL has `timestamptz`, `boolean` and
 * `jsonb`; SQLite stores times as integer milliseconds since the epoch, booleans as 0/1 and scopes
 * as JSON text. {@link Codec} converts at the edge so the rest of the store sees one shape.
 */
export type DbTime = Date | number
export type DbBool = boolean | number

export type UsersTable = {
  id: string
  email: string
  slug: string | null
  password_hash: string | null
  role: string
  disabled: DbBool
  created_at: DbTime
  updated_at: DbTime
}

export type APITokensTable = {
  id: string
  user_id: string
  name: string
  /** JSON text on SQLite; jsonb on PostgreSQL (written as JSON text, read back as an array). */
  scopes: string | string[]
  digest: string
  hint: string
  previous_digest: string | null
  grace_until: DbTime | null
  created_at: DbTime
  expires_at: DbTime
  last_used_at: DbTime | null
  revoked_at: DbTime | null
}

export type SigningKeysTable = {
  kid: string
  generation: number
  alg: string
  /** JSON text. */
  public_jwk: string
  /** JSON text, or sealed (`v1.…`). */
  private_jwk: string
  created_at: DbTime
  activates_at: DbTime
  expires_at: DbTime
}

export type SessionsTable = {
  id: string
  user_id: string
  created_at: DbTime
  expires_at: DbTime
  revoked_at: DbTime | null
}

export type AuditEventsTable = {
  id: string
  at: DbTime
  action: string
  actor_kind: string
  actor_id: string | null
  user_id: string | null
  token_id: string | null
  client_ip: string | null
  request_id: string | null
  /** JSON text on SQLite; jsonb on PostgreSQL (written as JSON text, read back as an object). */
  details: string | Record<string, unknown>
}

export type RevocationEventsTable = {
  /** `bigserial` on PostgreSQL (read back as a string), `integer` on SQLite. */
  id: Generated<number | string>
  at: DbTime
  type: string
  subject_id: string
  grace_until: DbTime | null
}

export type Database = {
  revocation_events: RevocationEventsTable
  users: UsersTable
  api_tokens: APITokensTable
  audit_events: AuditEventsTable
  signing_keys: SigningKeysTable
  sessions: SessionsTable
}

export type DB = Kysely<Database>

/** Converts values between JavaScript and one dialect's columns. */
export type Codec = {
  readonly dialect: 'sqlite' | 'postgres'
  time(value: Date): DbTime
  readTime(value: DbTime): Date
  bool(value: boolean): DbBool
  readBool(value: DbBool): boolean
  scopes(value: readonly string[]): string
  readScopes(value: string | string[]): string[]
}

function readScopes(value: string | string[]): string[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value
  return Array.isArray(parsed) ? parsed.filter((s): s is string => typeof s === 'string') : []
}

export const sqliteCodec: Codec = {
  dialect: 'sqlite',
  time: (value) => value.getTime(),
  readTime: (value) => (value instanceof Date ? value : new Date(Number(value))),
  bool: (value) => (value ? 1 : 0),
  readBool: (value) => value === true || value === 1,
  scopes: (value) => JSON.stringify(value),
  readScopes,
}

export const postgresCodec: Codec = {
  dialect: 'postgres',
  time: (value) => value,
  readTime: (value) => (value instanceof Date ? value : new Date(value)),
  bool: (value) => value,
  readBool: (value) => value === true || value === 1,
  scopes: (value) => JSON.stringify(value),
  readScopes,
}
