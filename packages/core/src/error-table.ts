/**
 * The one table that maps every authentication error `code` to its HTTP status, its RFC 6750
 * `error` attribute (when the answer carries a `WWW-Authenticate` challenge) and its problem
 * title: what the core and its strategies refuse. The token service's own codes (`not_found`,
 * `validation_failed`, `rate_limited`, …) live in `@keygate/server`, not here.
 *
 * Adapters never choose a status themselves: they look the code up here, once, at the edge.
 *
 * @example
 * ```ts
 * ERROR_TABLE.invalid_token.status // 401
 * ```
 */
export const ERROR_TABLE = {
  // RFC 6750 §3.1: a request without credentials (or with an unsupported scheme) gets a challenge
  // without an error code.
  missing_credentials: { status: 401, challenge: 'none', title: 'Missing credentials' },
  invalid_request: { status: 400, challenge: 'invalid_request', title: 'Invalid request' },
  invalid_token: { status: 401, challenge: 'invalid_token', title: 'Invalid token' },
  insufficient_scope: { status: 403, challenge: 'insufficient_scope', title: 'Insufficient scope' },
  auth_not_configured: { status: 503, challenge: null, title: 'Authentication not configured' },
  auth_unavailable: { status: 503, challenge: null, title: 'Authentication unavailable' },
  internal_error: { status: 500, challenge: null, title: 'Internal error' },
  missing_on_behalf_of: { status: 400, challenge: null, title: 'Missing X-On-Behalf-Of' },
  user_not_found: { status: 404, challenge: null, title: 'User not found' },
  user_disabled: { status: 403, challenge: null, title: 'User disabled' },
  // A cookie session used from a page of another origin (the session strategy refuses it while
  // authenticating, so the code is core's, not the service's).
  csrf_failed: { status: 403, challenge: null, title: 'Cross-site request refused' },
  invalid_internal_token: {
    status: 401,
    challenge: 'invalid_token',
    title: 'Invalid internal token',
  },
} as const satisfies Record<
  string,
  {
    status: number
    challenge: 'none' | 'invalid_request' | 'invalid_token' | 'insufficient_scope' | null
    title: string
  }
>

/** Every authentication error code the core answers with. */
export type ErrorCode = keyof typeof ERROR_TABLE
