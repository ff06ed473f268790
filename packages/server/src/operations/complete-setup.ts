import { ServiceError } from '../lib/errors.js'
import { matchesSetupCode } from '../setup/setup-code.js'
import { removeSetupCodeFileFor } from '../setup/setup-file.js'
import type { SetupCodeRecord, SetupStore } from '../store/setup-store.js'
import type { User, UserStore } from '../store/types.js'
import { createUser } from './create-user.js'
import type { OperationAudit } from './operation-deps.js'

/** Options of {@link completeSetup}. */
export type CompleteSetupOptions = {
  store: { users: Pick<UserStore, 'create'>; setup: SetupStore }
  /** The pending code, as read by the caller (who answered 404 when there was none). */
  pending: SetupCodeRecord
  /** The code as the operator typed it. */
  code: string
  email: string
  password: string
  /** Every role of the deployment (the new user is `admin`). */
  roles?: readonly string[]
  now: Date
  /** Headers to carry on a refusal (rate-limit state). */
  headers?: Record<string, string>
  /** The setup-code file `keygate serve` wrote: removed once the admin exists (if it holds this code). */
  file?: string | undefined
  /** Records `setup.completed` (actor `system`). */
  audit?: OperationAudit | undefined
  log?: { info(fields: object, message: string): void; warn(fields: object, message: string): void }
}

/**
 * Creates the first admin with the one-time setup code: checks the code in constant time,
 * claims it in the database (exactly one of several concurrent attempts wins), creates the
 * admin, then deletes the code (and its file). A failure after the claim releases it, so the
 * code still works. `setup.completed` is audited.
 *
 * @throws ServiceError `validation_failed` (`/code`: not valid or expired; `/email`, `/password`:
 *   see `createUser`), `not_found` when a concurrent attempt claimed the code first.
 * @example
 * ```ts
 * const admin = await completeSetup({ store, pending, code, email, password, now: new Date() })
 * ```
 */
export async function completeSetup(options: CompleteSetupOptions): Promise<User> {
  const { store, pending, now, headers } = options
  const matches = matchesSetupCode(options.code, pending.digest)
  if (!matches || pending.expiresAt.getTime() <= now.getTime()) {
    throw new ServiceError('validation_failed', {
      detail: 'The setup code is not valid or has expired',
      errors: [{ path: '/code', message: 'is not valid or has expired' }],
      headers,
    })
  }
  if (!(await store.setup.claim(pending.digest, now))) {
    throw new ServiceError('not_found', { detail: 'Setup is complete', headers })
  }
  let user: User
  try {
    user = await createUser({
      users: store.users,
      email: options.email,
      password: options.password,
      role: 'admin',
      ...(options.roles === undefined ? {} : { roles: options.roles }),
    })
  } catch (error) {
    await store.setup.release(pending.digest).catch(() => {})
    if (error instanceof ServiceError && headers !== undefined) {
      throw new ServiceError(error.code, {
        detail: error.message,
        ...(error.errors === undefined ? {} : { errors: error.errors }),
        headers: { ...error.headers, ...headers },
        cause: error,
      })
    }
    throw error
  }
  await store.setup.clear()
  if (options.file !== undefined) {
    await removeSetupCodeFileFor(options.file, options.code).catch(() => {
      options.log?.warn({}, 'could not remove the setup code file')
    })
  }
  options.log?.info({ userId: user.id }, 'first admin created with the setup code')
  await options.audit?.({
    action: 'setup.completed',
    actor: { kind: 'system', id: null },
    userId: user.id,
  })
  return user
}
