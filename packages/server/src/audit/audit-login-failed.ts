import type { FastifyRequest } from 'fastify'
import type { ServerContext } from '../context.js'

/**
 * Records `login.failed` for a refused email + password check. The answer to the caller never
 * says why (SPEC §6); the audit log does, for whoever holds `audit:read`: `unknown_email`,
 * `wrong_password`, `user_disabled` or `no_password` (a user provisioned by external auth).
 * An unknown email is not recorded (it may be a password typed in the wrong field); a known one
 * is recorded as its user id. One lookup on every path, so both kinds of failure cost the same.
 *
 * @example
 * ```ts
 * if (user === undefined) await auditLoginFailed(ctx, request, email, 'token')
 * ```
 */
export async function auditLoginFailed(
  ctx: Pick<ServerContext, 'audit' | 'store'>,
  request: FastifyRequest,
  email: string,
  via: 'token' | 'session' | 'password_change',
): Promise<void> {
  const user = await ctx.store.users.findByEmail(email).catch(() => undefined)
  const reason =
    user === undefined
      ? 'unknown_email'
      : user.disabled
        ? 'user_disabled'
        : user.passwordHash === null
          ? 'no_password'
          : 'wrong_password'
  await ctx.audit({
    action: 'login.failed',
    request,
    actor: { kind: 'anonymous', id: null },
    userId: user?.id ?? null,
    details: { via, reason },
  })
}
