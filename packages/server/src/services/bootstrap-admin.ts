import type { Store } from '../store/types.js'
import { ServiceError } from '../lib/errors.js'
import { createUser } from './create-user.js'

/** Interim first-admin variables (replaced by the one-time setup code of a later release). */
export const BOOTSTRAP_EMAIL = 'KEYGATE_BOOTSTRAP_ADMIN_EMAIL'
export const BOOTSTRAP_PASSWORD = 'KEYGATE_BOOTSTRAP_ADMIN_PASSWORD'

type Log = {
  info(object: Record<string, unknown>, message: string): void
  warn(object: Record<string, unknown>, message: string): void
}

/**
 * At start, on a database with no users: creates the first admin from
 * `KEYGATE_BOOTSTRAP_ADMIN_EMAIL` and `KEYGATE_BOOTSTRAP_ADMIN_PASSWORD` when both are set, or
 * logs one clear line saying how to. Does nothing once any user exists (the variables are read
 * once and ignored afterwards). Interim: the first-start setup code replaces it.
 *
 * @throws ServiceError `validation_failed` when the email or password is invalid.
 * @example
 * ```ts
 * await bootstrapAdmin({ store, env: process.env, log: server.log })
 * ```
 */
export async function bootstrapAdmin(options: {
  store: Pick<Store, 'users'>
  env: Readonly<Record<string, string | undefined>>
  log: Log
}): Promise<'created' | 'exists' | 'waiting'> {
  if ((await options.store.users.count()) > 0) return 'exists'
  const email = options.env[BOOTSTRAP_EMAIL]
  const password = options.env[BOOTSTRAP_PASSWORD]
  if (!email || !password) {
    options.log.warn(
      {},
      `keygate: no users yet. To create the first admin, restart once with ${BOOTSTRAP_EMAIL} and ${BOOTSTRAP_PASSWORD} set (interim; a one-time setup code replaces this in a later release)`,
    )
    return 'waiting'
  }
  let user
  try {
    user = await createUser({ users: options.store.users, email, password, role: 'admin' })
  } catch (error) {
    // Another instance sharing the database won the race: the admin exists.
    if (error instanceof ServiceError && error.errors?.[0]?.message === 'already exists')
      return 'exists'
    throw error
  }
  options.log.info({ userId: user.id, email: user.email }, 'keygate: created the first admin')
  return 'created'
}
