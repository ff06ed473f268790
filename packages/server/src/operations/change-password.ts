import { invalidField, notFound } from '../lib/errors.js'
import { passwords } from '../lib/passwords.js'
import { auditLoginFailed } from './lib/audit-login-failed.js'
import { verifyPasswordLogin } from './lib/verify-password-login.js'
import type { OperationDeps } from './operation-deps.js'

/** Input of {@link changePassword}. */
export type ChangePasswordInput = {
  userId: string
  /** Required: a leaked token alone cannot take the account over. */
  currentPassword: string
  /** 8–128 characters (the caller's schema checks the length). */
  newPassword: string
}

/**
 * Changes a user's own password. The current password is checked like a login — rate limited,
 * one argon2 verification, `login.failed` audited when wrong — then the new one is hashed and
 * stored (`user.changed`), and every session of the user ends. Existing API tokens stay valid:
 * they are separate credentials.
 * Resolves to the rate-limit headers of the answer.
 *
 * @throws ServiceError `not_found` (no such user), `rate_limited`, `validation_failed`
 *   (`/current_password`, with the rate-limit headers).
 * @example
 * ```ts
 * const headers = await changePassword(deps, { userId, currentPassword, newPassword })
 * ```
 */
export async function changePassword(
  deps: Pick<
    OperationDeps,
    'store' | 'audit' | 'limitLogin' | 'endSessions' | 'invalidateUser' | 'log'
  >,
  input: ChangePasswordInput,
): Promise<Record<string, string>> {
  const me = await deps.store.users.findById(input.userId)
  if (me === undefined) throw notFound('missing')
  const headers = await deps.limitLogin(me.email)
  const verified = await verifyPasswordLogin({
    users: deps.store.users,
    email: me.email,
    password: input.currentPassword,
  })
  if (verified === undefined || verified.id !== me.id) {
    await auditLoginFailed(deps, me.email, 'password_change')
    const error = invalidField('/current_password', 'is not correct')
    Object.assign(error.headers, headers)
    throw error
  }
  const passwordHash = await passwords.hash(input.newPassword)
  await deps.store.users.update(me.id, { passwordHash })
  // Every session ends: changing one's password is what one does after a session may have been
  // stolen. (The console's own session is replaced by the route, docs/console.md.)
  const endedSessions = await deps.endSessions(me.id)
  deps.invalidateUser(me.id)
  deps.log?.info({ userId: me.id, endedSessions }, 'password changed')
  await deps.audit({ action: 'user.changed', userId: me.id, details: { password: 'changed' } })
  return headers
}
