import { AuthUnavailableError } from '@keygate/core'
import { ConflictError, InvalidCursorError, LastAdminError, type Store } from '../store/types.js'

function guard<T extends object>(target: T): T {
  const out = {} as Record<string, unknown>
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function') continue
    out[name] = async (...args: unknown[]) => {
      try {
        return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
      } catch (error) {
        // Outcomes the routes answer themselves pass through; anything else is the database.
        if (
          error instanceof ConflictError ||
          error instanceof InvalidCursorError ||
          error instanceof LastAdminError
        ) {
          throw error
        }
        throw new AuthUnavailableError({ detail: 'The database is not available', cause: error })
      }
    }
  }
  return out as T
}

/**
 * The store as routes see it: a failing database is `503 auth_unavailable` with `Retry-After`
 * (SPEC §7: an infrastructure failure is never a 500 that looks like a bug, a 401 or a 200).
 * Conflicts and bad cursors keep their own meaning.
 */
export function guardStore(store: Store): Store {
  return {
    dialect: store.dialect,
    users: guard(store.users),
    tokens: guard(store.tokens),
    audit: guard(store.audit),
    revocationEvents: guard(store.revocationEvents),
    setup: guard(store.setup),
    signingKeys: guard(store.signingKeys),
    sessions: guard(store.sessions),
    migrate: () => store.migrate(),
    ping: () => store.ping(),
    close: () => store.close(),
  }
}
