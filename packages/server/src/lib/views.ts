import type { APIToken, User } from '../store/types.js'

/** A token's metadata as the API answers it (snake_case; never the secret or its digest). */
export type TokenView = {
  id: string
  user_id: string
  name: string
  scopes: string[]
  hint: string
  created_at: string
  expires_at: string
  last_used_at: string | null
  revoked_at: string | null
  previous_token_expires_at: string | null
  is_revoked: boolean
  is_expired: boolean
}

/** A user as the API answers it (never the password hash). */
export type UserView = {
  id: string
  email: string
  role: string
  disabled: boolean
  created_at: string
  updated_at: string
}

/** A token's metadata as `GET /v1/auth/tokens` and `keygate token list --json` show it. */
export function tokenView(token: APIToken, now: Date): TokenView {
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
    // Only while it lasts: a grace period that is over is nothing to show.
    previous_token_expires_at:
      token.graceUntil !== null && token.graceUntil.getTime() > now.getTime()
        ? token.graceUntil.toISOString()
        : null,
    is_revoked: token.revokedAt !== null,
    is_expired: token.expiresAt.getTime() <= now.getTime(),
  }
}

/** A user as `GET /v1/users` and `keygate user list --json` show it. */
export function userView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    disabled: user.disabled,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  }
}

/**
 * A new token with its secret, the one answer that holds a secret (`POST /v1/auth/tokens`, a
 * rotation, `keygate token create|rotate --json`); send it with `Cache-Control: no-store`.
 */
export type TokenSecretView = {
  id: string
  name: string
  token: string
  scopes: string[]
  created_at: string
  expires_at: string
}

export function tokenSecretView(token: APIToken, secret: string): TokenSecretView {
  return {
    id: token.id,
    name: token.name,
    token: secret,
    scopes: [...token.scopes],
    created_at: token.createdAt.toISOString(),
    expires_at: token.expiresAt.toISOString(),
  }
}
