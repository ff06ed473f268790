/**
 * JSON-schema fragments shared by the routes. Every object schema is closed
 * (`additionalProperties: false`); the same schemas validate requests, shape responses (fields
 * not listed are never serialised) and will generate the OpenAPI document.
 */

const timestamp = { type: 'string', format: 'date-time' } as const
const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const

export const tokenSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'user_id',
    'name',
    'scopes',
    'hint',
    'created_at',
    'expires_at',
    'last_used_at',
    'revoked_at',
    'previous_token_expires_at',
    'is_revoked',
    'is_expired',
  ],
  properties: {
    id: { type: 'string', description: 'Public id, `tok_…`.' },
    user_id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    hint: { type: 'string', description: 'Prefix and last 4 characters of the secret.' },
    created_at: timestamp,
    expires_at: timestamp,
    last_used_at: {
      ...nullableTimestamp,
      description: 'Recorded in batches: may lag by the flush interval.',
    },
    revoked_at: nullableTimestamp,
    previous_token_expires_at: {
      ...nullableTimestamp,
      description:
        'After a rotation, while the previous secret still works: until when (null otherwise).',
    },
    is_revoked: { type: 'boolean' },
    is_expired: { type: 'boolean' },
  },
} as const

/** The answer of token creation and rotation: the only time the secret is shown. */
export const tokenSecretSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'token', 'scopes', 'created_at', 'expires_at'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    token: { type: 'string', description: 'The secret. Shown once; store it now.' },
    scopes: { type: 'array', items: { type: 'string' } },
    created_at: timestamp,
    expires_at: timestamp,
    previous_token_expires_at: {
      ...timestamp,
      description: 'Rotation only: end of the old secret’s grace period.',
    },
  },
} as const

export const userSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'email', 'role', 'disabled', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    email: { type: 'string' },
    role: { type: 'string' },
    disabled: { type: 'boolean' },
    created_at: timestamp,
    updated_at: timestamp,
  },
} as const

export function pageSchema(item: object) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['items', 'next_cursor'],
    properties: {
      items: { type: 'array', items: item },
      next_cursor: {
        type: ['string', 'null'],
        description: 'Pass as `cursor` for the next page; null on the last.',
      },
    },
  } as const
}

/** `?cursor=&limit=` of every list route. */
export const pageQuery = {
  cursor: { type: 'string', minLength: 1, maxLength: 512 },
  limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
} as const

export function emailField() {
  return { type: 'string', minLength: 3, maxLength: 320 } as const
}

/** A new password: 8–128 characters (code points); longer is refused before any hashing. */
export function newPasswordField(min: number, max: number) {
  return { type: 'string', minLength: min, maxLength: max } as const
}

/** A password being checked: any non-empty value up to the maximum (old policies stay valid). */
export function passwordField(max: number) {
  return { type: 'string', minLength: 1, maxLength: max } as const
}

/** A resource id in a path: bounded, otherwise opaque (a malformed id is the same 404 as a missing one). */
export const idParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const
