import { normalizeEmail } from '../lib/emails.js'
import { invalidField } from '../lib/errors.js'
import { ConflictError, LastAdminError, type User } from '../store/types.js'
import type { OperationDeps } from './operation-deps.js'
import { revokeUserTokens } from './revoke-user-tokens.js'
import { lastAdmin } from './update-user.js'

/** Input of {@link upsertExternalUser}. */
export type UpsertExternalUserInput = {
  /** The user's UUID in the auth backend (any case). */
  id: string
  email: string
  slug: string
  /** When absent, never overwritten (a new user gets `user`). */
  role?: string | undefined
  /** The calling service, recorded as the actor (`externalAuth.actor`). */
  actor: string
}

/** The user after the call, and whether it was created. */
export type UpsertedUser = { user: User; created: boolean }

/**
 * Provisions a user of the external auth backend under its own id: an idempotent upsert
 * (`PUT /v1/internal/users/{id}`). A new role revokes the user's tokens that carry a scope the
 * role may not grant, as {@link updateUser} does. Audited as `user.created` or, when something
 * changed, `user.changed`, both with `via: external_auth`.
 *
 * @throws ServiceError `validation_failed` (`/email` invalid or taken, `/slug` taken).
 * @example
 * ```ts
 * const { user, created } = await upsertExternalUser(deps, { id, email, slug, actor: 'auth-backend' })
 * ```
 */
export async function upsertExternalUser(
  deps: Pick<OperationDeps, 'store' | 'policy' | 'now' | 'audit' | 'invalidateUser' | 'log'>,
  input: UpsertExternalUserInput,
): Promise<UpsertedUser> {
  const id = input.id.toLowerCase()
  const email = normalizeEmail(input.email)
  if (email === undefined) throw invalidField('/email', 'must be an email address')
  const before = await deps.store.users.findById(id)
  // A role sent for the last active admin must not demote them (the same rule as updateUser):
  // the guarded update decides atomically, then the upsert writes the rest.
  if (
    before !== undefined &&
    input.role !== undefined &&
    before.role === 'admin' &&
    input.role !== 'admin'
  ) {
    try {
      await deps.store.users.update(id, { role: input.role }, { keepActiveAdmin: true })
    } catch (error) {
      if (error instanceof LastAdminError) throw lastAdmin('role')
      throw error
    }
  }
  let result: UpsertedUser
  try {
    result = await deps.store.users.upsert(id, {
      email,
      slug: input.slug,
      ...(input.role === undefined ? {} : { role: input.role }),
    })
  } catch (error) {
    if (error instanceof ConflictError && (error.field === 'email' || error.field === 'slug')) {
      throw invalidField(`/${error.field}`, 'already exists')
    }
    throw error
  }
  const { user, created } = result
  if (before !== undefined && before.role !== user.role) {
    const role = user.role
    const count = await revokeUserTokens(deps, {
      userId: id,
      which: (t) => t.scopes.some((s) => !deps.policy.canGrant(role, s)),
    })
    deps.log?.info({ userId: id, role, revokedTokens: count }, 'user role changed')
  }
  const actor = { kind: 'service' as const, id: input.actor }
  if (created) {
    deps.log?.info({ userId: id }, 'user provisioned')
    await deps.audit({
      action: 'user.created',
      actor,
      userId: id,
      details: { role: user.role, via: 'external_auth' },
    })
  } else if (before !== undefined) {
    const changes: Record<string, unknown> = {}
    for (const field of ['email', 'slug', 'role'] as const) {
      if (before[field] !== user[field]) changes[field] = { from: before[field], to: user[field] }
    }
    if (Object.keys(changes).length > 0) {
      await deps.audit({
        action: 'user.changed',
        actor,
        userId: id,
        details: { ...changes, via: 'external_auth' },
      })
    }
  }
  return result
}
