import { AuthUnavailableError } from '@keygate/core'
import { ConflictError, InvalidCursorError, LastAdminError, type Store } from '../store/types.js'

/** A database failure as routes answer it; the outcomes they answer themselves pass through. */
function guarded(error: unknown): unknown {
  if (
    error instanceof ConflictError ||
    error instanceof InvalidCursorError ||
    error instanceof LastAdminError
  ) {
    return error
  }
  return new AuthUnavailableError({ detail: 'The database is not available', cause: error })
}

function guard<T extends object>(target: T): T {
  const out = {} as Record<string, unknown>
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function') continue
    const method = value as (...a: unknown[]) => unknown
    // A synchronous method (`verifyByDigestSync`) stays synchronous: its callers rely on it.
    out[name] = name.endsWith('Sync')
      ? (...args: unknown[]) => {
          try {
            return method.apply(target, args)
          } catch (error) {
            throw guarded(error)
          }
        }
      : async (...args: unknown[]) => {
          try {
            return await method.apply(target, args)
          } catch (error) {
            throw guarded(error)
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
