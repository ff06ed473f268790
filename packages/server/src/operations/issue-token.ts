import type { AuditActor } from '../store/types.js'
import { ServiceError } from '../lib/errors.js'
import { ConflictError, type APIToken, type User } from '../store/types.js'
import { newSecret } from './lib/new-secret.js'
import type { OperationDeps } from './operation-deps.js'

/** Input of {@link issueToken}. */
export type IssueTokenInput = {
  /** The owner. */
  user: User
  /** 1–100 characters without control characters; unique among the user's live tokens. */
  name: string
  /** Default `tokens.defaultScopes`. Each must be known and grantable by the user's role. */
  scopes?: readonly string[] | undefined
  /** Within `tokens.minDays`–`tokens.maxDays`; default `tokens.defaultDays`. */
  expiresInDays?: number | undefined
  /** Who is recorded as doing it. Default: whoever the audit callback names. */
  actor?: AuditActor | undefined
  /** Headers a refusal carries (the rate-limit state of the login before it). */
  headers?: Record<string, string> | undefined
}

/** A new token and its secret: the secret exists only here, to be shown once. */
export type IssuedToken = { token: APIToken; secret: string }

const DAY_MS = 24 * 3600 * 1000
const NAME = /^[^\u0000-\u001f\u007f]{1,100}$/u

/**
 * Creates an API token for a user: the expiry within policy, the scopes known and grantable by
 * the user's role, a fresh secret stored only as its digest; `token.created` is audited.
 *
 * @throws ServiceError `validation_failed` (reason `invalid_name`, `expiry_out_of_range`,
 *   `user_disabled`, `unknown_scope` or `name_taken`), `scope_not_allowed` (facts `denied`).
 * @example
 * ```ts
 * const { token, secret } = await issueToken(deps, { user, name: 'laptop', scopes: ['tokens:read'] })
 * ```
 */
export async function issueToken(
  deps: Pick<OperationDeps, 'store' | 'policy' | 'tokens' | 'now' | 'audit' | 'log'>,
  input: IssueTokenInput,
): Promise<IssuedToken> {
  const { tokens, policy } = deps
  const { user, name } = input
  const headers = input.headers ?? {}
  const invalid = (path: string, message: string, reason: string, facts = {}) =>
    new ServiceError('validation_failed', {
      detail: 'The request body is invalid',
      errors: [{ path, message }],
      headers,
      reason,
      facts,
    })
  if (!NAME.test(name)) {
    throw invalid('/name', 'must be 1-100 characters without control characters', 'invalid_name')
  }
  const days = input.expiresInDays ?? tokens.defaultDays
  if (!Number.isInteger(days) || days < tokens.minDays || days > tokens.maxDays) {
    throw invalid(
      '/expires_in_days',
      `must be between ${tokens.minDays} and ${tokens.maxDays}`,
      'expiry_out_of_range',
    )
  }
  if (user.disabled) throw invalid('/user', 'is disabled', 'user_disabled')
  const scopes = [...(input.scopes ?? tokens.defaultScopes)]
  const unknown = scopes.filter((scope) => !policy.isKnown(scope))
  if (unknown.length > 0) {
    throw invalid('/scopes', `unknown scope ${unknown.join(', ')}`, 'unknown_scope', { unknown })
  }
  const denied = scopes.filter((scope) => !policy.canGrant(user.role, scope))
  if (denied.length > 0) {
    throw new ServiceError('scope_not_allowed', {
      detail: `Your role does not allow scope: ${denied.join(' ')}`,
      headers,
      facts: { denied },
    })
  }
  const now = deps.now()
  const secret = await newSecret(tokens)
  let token: APIToken
  try {
    token = await deps.store.tokens.create({
      userId: user.id,
      name,
      scopes,
      expiresAt: new Date(now.getTime() + days * DAY_MS),
      createdAt: now,
      digest: secret.digest,
      hint: secret.hint,
    })
  } catch (error) {
    if (error instanceof ConflictError) {
      throw invalid('/name', 'a token with this name already exists', 'name_taken')
    }
    throw error
  }
  deps.log?.info({ tokenId: token.id, userId: user.id }, 'token created')
  await deps.audit({
    action: 'token.created',
    ...(input.actor === undefined ? {} : { actor: input.actor }),
    userId: user.id,
    tokenId: token.id,
    details: { name: token.name, scopes: token.scopes, expires_at: token.expiresAt.toISOString() },
  })
  return { token, secret: secret.token }
}
