import type { OperationDeps } from '../operation-deps.js'

/**
 * Records `login.failed` for a refused email + password check. The answer to the caller never
 * says why (SPEC §6); the audit log does, for whoever holds `audit:read`: `unknown_email`,
 * `wrong_password`, `user_disabled` or `no_password` (a user provisioned by external auth).
 * An unknown email is not recorded (it may be a password typed in the wrong field); a known one
 * is recorded as its user id. One lookup on every path, so both kinds of failure cost the same.
 */
export async function auditLoginFailed(
  deps: Pick<OperationDeps, 'audit' | 'store'>,
  email: string,
  via: 'token' | 'session' | 'password_change',
): Promise<void> {
  const user = await deps.store.users.findByEmail(email).catch(() => undefined)
  const reason =
    user === undefined
      ? 'unknown_email'
      : user.disabled
        ? 'user_disabled'
        : user.passwordHash === null
          ? 'no_password'
          : 'wrong_password'
  await deps.audit({
    action: 'login.failed',
    actor: { kind: 'anonymous', id: null },
    userId: user?.id ?? null,
    details: { via, reason },
  })
}
