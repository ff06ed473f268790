import type { APIToken, User } from '@keygate/server'
import { formatTime } from './output.js'

/** A user as `--json` prints it: the same shape as the HTTP API (never the password hash). */
export function userJSON(user: User) {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    disabled: user.disabled,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  }
}

/** A token's metadata as `--json` prints it: the same shape as `GET /v1/auth/tokens` items. */
export function tokenJSON(token: APIToken, now: Date) {
  return {
    id: token.id,
    user_id: token.userId,
    name: token.name,
    scopes: [...token.scopes],
    hint: token.hint,
    created_at: token.createdAt.toISOString(),
    expires_at: token.expiresAt.toISOString(),
    last_used_at: token.lastUsedAt?.toISOString() ?? null,
    revoked_at: token.revokedAt?.toISOString() ?? null,
    is_revoked: token.revokedAt !== null,
    is_expired: token.expiresAt.getTime() <= now.getTime(),
  }
}

/** `active`, `revoked` or `expired`, for tables. */
export function tokenStatus(token: APIToken, now: Date): string {
  if (token.revokedAt !== null) return 'revoked'
  return token.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active'
}

/** A token's fields for people, the secret excluded. */
export function tokenFields(token: APIToken, email: string): [string, string][] {
  return [
    ['id', token.id],
    ['name', token.name],
    ['user', email],
    ['scopes', token.scopes.join(' ')],
    ['hint', token.hint],
    ['expires', formatTime(token.expiresAt)],
  ]
}
