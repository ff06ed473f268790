import { normalizeEmail } from '../lib/emails.js'
import { invalidField, ServiceError } from '../lib/errors.js'
import type { User } from '../store/types.js'
import { auditLoginFailed } from './lib/audit-login-failed.js'
import { verifyPasswordLogin } from './lib/verify-password-login.js'
import type { OperationDeps } from './operation-deps.js'

/** Input of {@link logInWithPassword}. */
export type LogInWithPasswordInput = {
  /** As sent: trimmed and lower-cased here. */
  email: string
  password: string
  /** What the login is for, recorded in the audit log. */
  via: 'token' | 'session'
}

/** A successful login: the user, and the rate-limit headers its answer carries. */
export type PasswordLogin = { user: User; headers: Record<string, string> }

/**
 * Logs a user in with email and password, the one sequence behind `POST /v1/auth/tokens` and
 * `POST /v1/auth/sessions`: rate limits (client IP, then email) → exactly one argon2
 * verification on every path → `login.failed` or `login.succeeded` in the audit log. An unknown
 * email, a wrong password and a disabled user get the same answer (SPEC §6).
 *
 * @throws ServiceError `validation_failed` (`/email`), `rate_limited`, `invalid_token` (the
 *   credentials; with the rate-limit headers).
 * @example
 * ```ts
 * const { user, headers } = await logInWithPassword(deps, { email, password, via: 'session' })
 * ```
 */
export async function logInWithPassword(
  deps: Pick<OperationDeps, 'store' | 'audit' | 'limitLogin'>,
  input: LogInWithPasswordInput,
): Promise<PasswordLogin> {
  const email = normalizeEmail(input.email)
  if (email === undefined) throw invalidField('/email', 'must be an email address')
  const headers = await deps.limitLogin(email)
  const user = await verifyPasswordLogin({
    users: deps.store.users,
    email,
    password: input.password,
  })
  if (user === undefined) {
    await auditLoginFailed(deps, email, input.via)
    throw new ServiceError('invalid_token', {
      detail: 'The email or password is not valid',
      headers,
    })
  }
  await deps.audit({
    action: 'login.succeeded',
    actor: { kind: 'user', id: user.id },
    userId: user.id,
    details: { via: input.via },
  })
  return { user, headers }
}
