/**
 * The one table that maps every stable error `code` to its HTTP status, its RFC 6750 `error`
 * attribute (when the answer carries a `WWW-Authenticate` challenge) and its problem title.
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
  rate_limited: { status: 429, challenge: null, title: 'Too many requests' },
  validation_failed: { status: 400, challenge: null, title: 'Validation failed' },
  internal_error: { status: 500, challenge: null, title: 'Internal error' },
  scope_not_allowed: { status: 403, challenge: null, title: 'Scope not allowed' },
  missing_on_behalf_of: { status: 400, challenge: null, title: 'Missing X-On-Behalf-Of' },
  user_not_found: { status: 404, challenge: null, title: 'User not found' },
  user_disabled: { status: 403, challenge: null, title: 'User disabled' },
  invalid_internal_token: {
    status: 401,
    challenge: 'invalid_token',
    title: 'Invalid internal token',
  },
  not_found: { status: 404, challenge: null, title: 'Not found' },
  method_not_allowed: { status: 405, challenge: null, title: 'Method not allowed' },
  payload_too_large: { status: 413, challenge: null, title: 'Payload too large' },
  unsupported_media_type: { status: 415, challenge: null, title: 'Unsupported media type' },
  csrf_failed: { status: 403, challenge: null, title: 'Cross-site request refused' },
  conflict: { status: 409, challenge: null, title: 'Conflict' },
  // HTTP framing errors, raised before any route or credential is looked at.
  malformed_request: { status: 400, challenge: null, title: 'Malformed request' },
  request_timeout: { status: 408, challenge: null, title: 'Request timeout' },
  uri_too_long: { status: 414, challenge: null, title: 'URI too long' },
  headers_too_large: { status: 431, challenge: null, title: 'Request header fields too large' },
  shutting_down: { status: 503, challenge: null, title: 'Shutting down' },
  // `keygate proxy`: the upstream could not be reached, or did not answer in time.
  bad_gateway: { status: 502, challenge: null, title: 'Bad gateway' },
  gateway_timeout: { status: 504, challenge: null, title: 'Gateway timeout' },
} as const satisfies Record<
  string,
  {
    status: number
    challenge: 'none' | 'invalid_request' | 'invalid_token' | 'insufficient_scope' | null
    title: string
  }
>

/** Every stable error code keygate answers with. */
export type ErrorCode = keyof typeof ERROR_TABLE
