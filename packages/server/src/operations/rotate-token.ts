import { InsufficientScopeError, type Principal } from '@keygate/core'
import { notFound, ServiceError } from '../lib/errors.js'
import type { APIToken } from '../store/types.js'
import { findToken } from './lib/find-token.js'
import { newSecret } from './lib/new-secret.js'
import type { OperationDeps } from './operation-deps.js'

/** Input of {@link rotateToken}. */
export type RotateTokenInput = {
  tokenId: string
  /** When set, only this user's token may be rotated (another's is `not_found`). */
  owner?: string | undefined
  /** How long the old secret keeps working; default `tokens.rotationGraceSeconds`. */
  graceSeconds?: number | undefined
  /** Who asked, for the log line. */
  by?: string | undefined
  /**
   * The credential asking, when a request asks (the CLI, an operator, passes none). The new
   * secret never carries more than it holds (docs/api-tokens.md#rotation): the token's scopes
   * must all be the caller's, and an API token whose own rotation grace period runs rotates
   * nothing.
   */
  caller?: RotationCaller | undefined
  /**
   * Rotate even while the previous secret is in its grace period, ending it now (the CLI's
   * `keygate token rotate`, an operator's deliberate act; it says so). Default false: `conflict`.
   */
  endPendingGrace?: boolean | undefined
}

/** The credential asking for a rotation, as its principal names it. */
export type RotationCaller = Pick<Principal, 'scopes' | 'via' | 'tokenId'>

/**
 * A rotated token, its new secret (shown once) and when the old secret stops working; with
 * `endPendingGrace`, until when the secret before it would have worked (it stopped now).
 */
export type RotatedToken = {
  token: APIToken
  secret: string
  graceUntil: Date
  endedGraceUntil?: Date | undefined
}

/**
 * Gives a live token a new secret; id, name, scopes and expiry stay. The old secret keeps
 * working for the grace period (at most `tokens.maxRotationGraceSeconds`, never past the
 * token's expiry). Every verification cache drops the token, so the store (which honours the
 * grace period) decides from now on; `token.rotated` is audited.
 *
 * A token whose previous secret is still in its grace period is not rotated again: that would end
 * the first old secret without a word. The store decides it atomically, so of two concurrent
 * rotations one wins and the other is the same `conflict`.
 *
 * @throws ServiceError `validation_failed` (reason `grace_too_long`), `not_found` (reason
 *   `missing`, `revoked` or `expired`: a dead token cannot be rotated), `conflict` (reason
 *   `grace_pending`: the previous secret is valid until `facts.graceUntil`).
 * @throws InsufficientScopeError (403) when `caller` lacks one of the token's scopes, or is an
 *   API token whose own previous secret is still valid.
 * @example
 * ```ts
 * const { secret, graceUntil } = await rotateToken(deps, { tokenId, graceSeconds: 0 })
 * ```
 */
export async function rotateToken(
  deps: Pick<OperationDeps, 'store' | 'tokens' | 'now' | 'audit' | 'invalidateToken' | 'log'>,
  input: RotateTokenInput,
): Promise<RotatedToken> {
  const { tokens } = deps
  const grace = input.graceSeconds ?? tokens.rotationGraceSeconds
  if (!Number.isInteger(grace) || grace < 0 || grace > tokens.maxRotationGraceSeconds) {
    throw new ServiceError('validation_failed', {
      detail: 'The request body is invalid',
      errors: [
        {
          path: '/grace_period_seconds',
          message: `must be between 0 and ${tokens.maxRotationGraceSeconds}`,
        },
      ],
      reason: 'grace_too_long',
    })
  }
  const existing = await findToken(deps, input.tokenId, input.owner)
  const now = deps.now()
  if (existing.revokedAt !== null) throw notFound('revoked')
  if (existing.expiresAt.getTime() <= now.getTime()) throw notFound('expired')
  if (input.caller !== undefined) await checkCaller(deps, input.caller, existing, now)
  const graceUntil = new Date(Math.min(now.getTime() + grace * 1000, existing.expiresAt.getTime()))
  const force = input.endPendingGrace === true
  const endedGraceUntil =
    force && existing.graceUntil !== null && existing.graceUntil.getTime() > now.getTime()
      ? existing.graceUntil
      : undefined
  const secret = await newSecret(tokens)
  const token = await deps.store.tokens.rotate(existing.id, {
    digest: secret.digest,
    hint: secret.hint,
    graceUntil,
    now: force ? undefined : now,
  })
  if (token === undefined) {
    const current = await deps.store.tokens.findById(existing.id)
    if (current === undefined || current.revokedAt !== null) throw notFound('revoked')
    const pending = current.graceUntil
    throw new ServiceError('conflict', {
      detail: `The previous secret of this token is valid until ${pending?.toISOString() ?? 'the end of its grace period'}; rotate again after that, or revoke the token`,
      reason: 'grace_pending',
      facts: { graceUntil: pending },
    })
  }
  deps.invalidateToken(token.id, { graceUntil })
  deps.log?.info({ tokenId: token.id, userId: token.userId, by: input.by }, 'token rotated')
  await deps.audit({
    action: 'token.rotated',
    userId: token.userId,
    tokenId: token.id,
    details: {
      previous_token_expires_at: graceUntil.toISOString(),
      ...(endedGraceUntil === undefined
        ? {}
        : { ended_grace_until: endedGraceUntil.toISOString() }),
    },
  })
  return { token, secret: secret.token, graceUntil, endedGraceUntil }
}

/**
 * The new secret never carries more than the credential asking holds: every scope of the token
 * must be the caller's; and an API token whose own rotation grace period runs — through its old
 * secret or its new one, which cannot be told apart by their principal — rotates nothing, so a
 * rotated-away secret can neither cut the new one short nor trade itself for a sibling's.
 */
async function checkCaller(
  deps: Pick<OperationDeps, 'store'>,
  caller: RotationCaller,
  token: APIToken,
  now: Date,
): Promise<void> {
  const missing = token.scopes.filter((scope) => !caller.scopes.includes(scope))
  if (missing.length > 0) {
    throw new InsufficientScopeError({
      scopes: missing,
      detail: `Rotating this token needs every scope it carries: ${missing.join(' ')}`,
    })
  }
  // Rotating itself during its grace period is the store's `conflict` (rotateToken).
  if (caller.via !== 'api-token' || caller.tokenId === undefined || caller.tokenId === token.id) {
    return
  }
  const own = await deps.store.tokens.findById(caller.tokenId)
  if (own?.graceUntil != null && own.graceUntil.getTime() > now.getTime()) {
    throw new InsufficientScopeError({
      scopes: [],
      detail: `A token cannot rotate while its own previous secret is valid (until ${own.graceUntil.toISOString()})`,
    })
  }
}
