import { AuthError, type Principal, type Strategy } from '@keygate/core'
import type { ScopePolicy } from '../lib/scope-policy.js'
import type { Store } from '../store/types.js'

/**
 * An active answer of `POST /v1/auth/introspect` (RFC 7662 §2.2). `scope` is space-separated;
 * `exp`/`iat` are seconds since the epoch; `username` is the owner's email.
 */
export type ActiveIntrospection = {
  active: true
  sub: string
  scope: string
  exp: number
  iat: number
  token_id: string
  token_type: 'api_token' | 'session'
  username: string
  role: string
}

/**
 * The one inactive answer, as bytes: garbage, a bad checksum, unknown, expired, revoked, a
 * rotated-away secret past its grace, a disabled owner, a logged-out session. RFC 7662 §2.2: the
 * service should not say why, so every case is the same 16 bytes.
 */
export const INACTIVE = '{"active":false}'

/** Options of {@link introspectCredential}. */
export type IntrospectCredentialOptions = {
  /** The server's own `apiTokens` strategy (with its cache, kept in step by the bus). */
  apiTokens: Strategy
  /** The server's `sessions` strategy (checks the session registry). */
  sessions: Strategy
  store: Pick<Store, 'users' | 'tokens'>
  policy: Pick<ScopePolicy, 'canGrant'>
}

const NO_HEADERS = (): readonly string[] => []

/** `iat` of a verified JWT: its payload is read only after the strategy accepted the signature. */
function jwtIssuedAt(token: string): number | undefined {
  const payload = token.split('.')[1]
  if (payload === undefined) return undefined
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      iat?: unknown
    }
    return typeof claims.iat === 'number' ? claims.iat : undefined
  } catch {
    return undefined
  }
}

/**
 * Decides what `POST /v1/auth/introspect` answers for `token`: an {@link ActiveIntrospection},
 * or `undefined` for every inactive case. Exactly the checks the token service applies to its
 * own requests (the same strategies, hence the same rules for revocation, rotation grace,
 * expiry and disabled owners), and a token's scopes narrowed to what its owner's role grants now.
 *
 * @throws AuthUnavailableError (`auth_unavailable`, 503) when the store cannot answer: an
 *   infrastructure failure is never reported as an inactive token.
 * @example
 * ```ts
 * const answer = await introspectCredential(token, { apiTokens, sessions, store, policy })
 * reply.send(answer === undefined ? INACTIVE : JSON.stringify(answer))
 * ```
 */
export async function introspectCredential(
  token: string,
  options: IntrospectCredentialOptions,
): Promise<ActiveIntrospection | undefined> {
  const input = {
    credential: { kind: 'bearer', header: 'authorization', token } as const,
    request: { method: 'POST', path: '/v1/auth/introspect', header: NO_HEADERS },
  }
  let principal: Principal | undefined
  let type: ActiveIntrospection['token_type'] = 'api_token'
  try {
    const result = await options.apiTokens.authenticate(input)
    if (typeof result === 'object') principal = result
    else {
      type = 'session'
      const session = await options.sessions.authenticate(input)
      if (typeof session === 'object') principal = session
    }
  } catch (error) {
    // A refusal is inactive; an unavailable store is the caller's 503.
    if (error instanceof AuthError && error.status < 500) return undefined
    throw error
  }
  if (principal === undefined || principal.tokenId === undefined) return undefined
  const user = await options.store.users.findById(principal.subject)
  if (user === undefined || user.disabled) return undefined
  let issuedAt: number | undefined
  if (type === 'api_token') {
    const record = await options.store.tokens.findById(principal.tokenId)
    if (record === undefined) return undefined
    issuedAt = Math.floor(record.createdAt.getTime() / 1000)
  } else {
    issuedAt = jwtIssuedAt(token)
  }
  const expiresAt = principal.expiresAt
  if (issuedAt === undefined || expiresAt === undefined) return undefined
  const scopes = principal.scopes.filter((scope) => options.policy.canGrant(user.role, scope))
  return {
    active: true,
    sub: principal.subject,
    scope: scopes.join(' '),
    exp: Math.floor(expiresAt.getTime() / 1000),
    iat: issuedAt,
    token_id: principal.tokenId,
    token_type: type,
    username: user.email,
    role: user.role,
  }
}
