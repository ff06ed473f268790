import { ConflictError } from '../types.js'

// PostgreSQL names the violated constraint or index; the migration names every one of them.
const POSTGRES_FIELDS: Readonly<Record<string, string>> = {
  users_pkey: 'id',
  users_email_key: 'email',
  users_slug_key: 'slug',
  api_tokens_pkey: 'id',
  api_tokens_digest_key: 'digest',
  api_tokens_user_name_live: 'name',
}

// SQLite names the columns: "UNIQUE constraint failed: api_tokens.user_id, api_tokens.name".
const SQLITE_FIELDS: Readonly<Record<string, string>> = {
  'users.id': 'id',
  'users.email': 'email',
  'users.slug': 'slug',
  'api_tokens.id': 'id',
  'api_tokens.digest': 'digest',
  'api_tokens.name': 'name',
}

/** The {@link ConflictError} a unique violation means, or undefined for any other error. */
export function toConflict(error: unknown): ConflictError | undefined {
  if (error === null || typeof error !== 'object') return undefined
  const { code, constraint, message } = error as {
    code?: unknown
    constraint?: unknown
    message?: unknown
  }
  if (code === '23505' && typeof constraint === 'string') {
    return new ConflictError(POSTGRES_FIELDS[constraint] ?? constraint)
  }
  if (
    (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') &&
    typeof message === 'string'
  ) {
    const columns = message
      .slice(message.indexOf(':') + 1)
      .split(',')
      .map((c) => c.trim())
    // The last column names the field: (user_id, name) is a conflict on the name.
    const column = columns[columns.length - 1] ?? ''
    return new ConflictError(SQLITE_FIELDS[column] ?? column)
  }
  return undefined
}

/** Runs `work`, turning a unique violation into a {@link ConflictError}. */
export async function mapConflict<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw toConflict(error) ?? error
  }
}
