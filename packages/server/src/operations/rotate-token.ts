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
}

/** A rotated token, its new secret (shown once) and when the old secret stops working. */
export type RotatedToken = { token: APIToken; secret: string; graceUntil: Date }

/**
 * Gives a live token a new secret; id, name, scopes and expiry stay. The old secret keeps
 * working for the grace period (at most `tokens.maxRotationGraceSeconds`, never past the
 * token's expiry). Every verification cache drops the token, so the store (which honours the
 * grace period) decides from now on; `token.rotated` is audited.
 *
 * @throws ServiceError `validation_failed` (reason `grace_too_long`), `not_found` (reason
 *   `missing`, `revoked` or `expired`: a dead token cannot be rotated).
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
  const graceUntil = new Date(Math.min(now.getTime() + grace * 1000, existing.expiresAt.getTime()))
  const secret = await newSecret(tokens)
  const token = await deps.store.tokens.rotate(existing.id, {
    digest: secret.digest,
    hint: secret.hint,
    graceUntil,
  })
  if (token === undefined) throw notFound('revoked')
  deps.invalidateToken(token.id)
  deps.log?.info({ tokenId: token.id, userId: token.userId, by: input.by }, 'token rotated')
  await deps.audit({
    action: 'token.rotated',
    userId: token.userId,
    tokenId: token.id,
    details: { previous_token_expires_at: graceUntil.toISOString() },
  })
  return { token, secret: secret.token, graceUntil }
}
