import { notFound, ServiceError } from '../lib/errors.js'
import { isUUID } from '../lib/uuid.js'
import { LastAdminError, type User } from '../store/types.js'
import type { OperationDeps } from './operation-deps.js'
import { revokeUserTokens } from './revoke-user-tokens.js'

/** Input of {@link updateUser}: at least one of `role` and `disabled`. */
export type UpdateUserInput = {
  userId: string
  /** A new role: the user's tokens carrying a scope it may not grant are revoked. */
  role?: string | undefined
  /** `true` disables (every token and session of the user ends), `false` enables. */
  disabled?: boolean | undefined
  /** The acting user: nobody changes their own role or disables themselves here. */
  by?: string | undefined
}

/** The user after the change, what changed (as audited) and how many tokens were revoked. */
export type UpdatedUser = { user: User; changes: Record<string, unknown>; revokedTokens: number }

/**
 * Disables or enables a user and changes their role (`PATCH /v1/users/{id}`, `keygate user
 * disable`). Disabling revokes every token and ends every session of the user; a new role
 * revokes the tokens that carry a scope it may not grant; either takes effect in every cache.
 * One `user.changed` event for the whole change; a change to the same values records nothing.
 *
 * @throws ServiceError `not_found` (reason `missing`), `validation_failed` (`/role` or
 *   `/disabled` of one's own user, the id compared in canonical form; reason `self`),
 *   `conflict` (reason `last_admin`: the change would leave no active admin).
 * @example
 * ```ts
 * const { user, revokedTokens } = await updateUser(deps, { userId, disabled: true })
 * ```
 */
export async function updateUser(
  deps: Pick<
    OperationDeps,
    'store' | 'policy' | 'now' | 'audit' | 'invalidateUser' | 'endSessions' | 'log'
  >,
  input: UpdateUserInput,
): Promise<UpdatedUser> {
  const { by } = input
  if (!isUUID(input.userId)) throw notFound('missing')
  // Canonical (lower-case) ids: the same user in upper case is still one's own user.
  const id = input.userId.toLowerCase()
  if (by !== undefined && id === by.toLowerCase()) {
    throw new ServiceError('validation_failed', {
      detail: 'The request is invalid',
      errors: [
        {
          path: input.role !== undefined ? '/role' : '/disabled',
          message: 'cannot be changed on your own user',
        },
      ],
      reason: 'self',
    })
  }
  const before = await deps.store.users.findById(id)
  if (before === undefined) throw notFound('missing')
  const patch = {
    ...(input.role === undefined ? {} : { role: input.role }),
    ...(input.disabled === undefined ? {} : { disabled: input.disabled }),
  }
  let user: User | undefined
  try {
    // Whoever asks (an admin over HTTP, the CLI): never demote or disable the last active admin.
    user = await deps.store.users.update(id, patch, { keepActiveAdmin: true })
  } catch (error) {
    if (error instanceof LastAdminError)
      throw lastAdmin(input.role !== undefined ? 'role' : 'disabled')
    throw error
  }
  if (user === undefined) throw notFound('missing')
  const changes: Record<string, unknown> = {}
  if (before.role !== user.role) changes.role = { from: before.role, to: user.role }
  if (before.disabled !== user.disabled) {
    changes.disabled = { from: before.disabled, to: user.disabled }
  }
  let revokedTokens = 0
  if (input.disabled === true && !before.disabled) {
    revokedTokens = await revokeUserTokens(deps, { userId: id })
    changes.revoked_tokens = revokedTokens
    // Every session of the user ends too (refused from the next request on).
    const sessions = await deps.endSessions(id)
    deps.log?.info({ userId: id, by, revokedTokens, endedSessions: sessions }, 'user disabled')
  }
  if (input.role !== undefined && input.role !== before.role) {
    const role = input.role
    const count = await revokeUserTokens(deps, {
      userId: id,
      which: (t) => t.scopes.some((s) => !deps.policy.canGrant(role, s)),
    })
    revokedTokens += count
    changes.revoked_tokens = revokedTokens
    deps.log?.info({ userId: id, by, role, revokedTokens: count }, 'user role changed')
  }
  if (Object.keys(changes).length > 0) {
    await deps.audit({ action: 'user.changed', userId: id, details: changes })
  }
  return { user, changes, revokedTokens }
}

/** `409 conflict`: the change would leave no active admin (nobody could manage users again). */
export function lastAdmin(field: 'role' | 'disabled'): ServiceError {
  return new ServiceError('conflict', {
    detail:
      field === 'role'
        ? 'This is the last active admin: make another user an admin before changing this role'
        : 'This is the last active admin: make another user an admin before disabling this one',
    reason: 'last_admin',
  })
}
