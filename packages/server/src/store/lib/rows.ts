import type { APIToken, User } from '../types.js'
import type { APITokensTable, Codec, UsersTable } from './database.js'

/** A user row as stored, to the contract's {@link User}. */
export function toUser(row: UsersTable, codec: Codec): User {
  return {
    id: row.id,
    email: row.email,
    slug: row.slug,
    passwordHash: row.password_hash,
    role: row.role,
    disabled: codec.readBool(row.disabled),
    createdAt: codec.readTime(row.created_at),
    updatedAt: codec.readTime(row.updated_at),
  }
}

/** The owner's columns of a query joined with `users as u`, each prefixed `u_`. */
export const OWNER_COLUMNS = [
  'u.email as u_email',
  'u.slug as u_slug',
  'u.password_hash as u_password_hash',
  'u.role as u_role',
  'u.disabled as u_disabled',
  'u.created_at as u_created_at',
  'u.updated_at as u_updated_at',
] as const

/** A row carrying {@link OWNER_COLUMNS}. */
export type OwnerRow = {
  [K in Exclude<keyof UsersTable, 'id'> as `u_${K}`]: UsersTable[K]
}

/** The owner read through {@link OWNER_COLUMNS}, whose id the joined row holds as `id`. */
export function toOwner(id: string, row: OwnerRow, codec: Codec): User {
  return toUser(
    {
      id,
      email: row.u_email,
      slug: row.u_slug,
      password_hash: row.u_password_hash,
      role: row.u_role,
      disabled: row.u_disabled,
      created_at: row.u_created_at,
      updated_at: row.u_updated_at,
    },
    codec,
  )
}

/** The token columns a caller may see: never `digest` or `previous_digest`. */
export const TOKEN_COLUMNS = [
  'id',
  'user_id',
  'name',
  'scopes',
  'hint',
  'created_at',
  'expires_at',
  'last_used_at',
  'revoked_at',
  'grace_until',
] as const

export type TokenRow = Pick<APITokensTable, (typeof TOKEN_COLUMNS)[number]>

/** A token row to the contract's {@link APIToken}. */
export function toAPIToken(row: TokenRow, codec: Codec): APIToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    scopes: codec.readScopes(row.scopes),
    hint: row.hint,
    createdAt: codec.readTime(row.created_at),
    expiresAt: codec.readTime(row.expires_at),
    lastUsedAt: row.last_used_at === null ? null : codec.readTime(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : codec.readTime(row.revoked_at),
    graceUntil: row.grace_until === null ? null : codec.readTime(row.grace_until),
  }
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
export const TOKEN_ID = /^tok_[0-9A-Za-z]{1,64}$/

/** Trimmed and lower-cased, as the contract stores emails. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}
