import { ERROR_TABLE, type ErrorCode } from '@keygate/core'

/**
 * The token service's own error codes: what a service refuses that is not about a credential
 * (bad input, a missing thing, too many attempts, HTTP framing, the proxy's upstream). Core's
 * {@link ERROR_TABLE} keeps the authentication codes; each code is in exactly one of the two.
 * Every code has an anchor in `docs/errors.md`.
 *
 * @example
 * ```ts
 * SERVICE_ERROR_TABLE.not_found.status // 404
 * ```
 */
export const SERVICE_ERROR_TABLE = {
  rate_limited: { status: 429, title: 'Too many requests' },
  validation_failed: { status: 400, title: 'Validation failed' },
  scope_not_allowed: { status: 403, title: 'Scope not allowed' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  conflict: { status: 409, title: 'Conflict' },
  // HTTP framing errors, raised before any route or credential is looked at.
  malformed_request: { status: 400, title: 'Malformed request' },
  request_timeout: { status: 408, title: 'Request timeout' },
  uri_too_long: { status: 414, title: 'URI too long' },
  headers_too_large: { status: 431, title: 'Request header fields too large' },
  shutting_down: { status: 503, title: 'Shutting down' },
  // `keygate proxy`: the upstream could not be reached, or did not answer in time.
  bad_gateway: { status: 502, title: 'Bad gateway' },
  gateway_timeout: { status: 504, title: 'Gateway timeout' },
} as const satisfies Record<string, { status: number; title: string }>

/** A code of the service's own. */
export type ServiceErrorCode = keyof typeof SERVICE_ERROR_TABLE

/** Every code the token service answers with: core's authentication codes and its own. */
export type ProblemCode = ErrorCode | ServiceErrorCode

/** Status and title of any code the service answers with, and whether it carries a challenge. */
export function describeCode(code: ProblemCode): {
  status: number
  title: string
  challenge: boolean
} {
  if (code in SERVICE_ERROR_TABLE) {
    const row = SERVICE_ERROR_TABLE[code as ServiceErrorCode]
    return { status: row.status, title: row.title, challenge: false }
  }
  const row = ERROR_TABLE[code as ErrorCode]
  return { status: row.status, title: row.title, challenge: row.challenge !== null }
}

/** Every code, core's first, for the OpenAPI document. */
export const PROBLEM_CODES: readonly ProblemCode[] = Object.freeze([
  ...(Object.keys(ERROR_TABLE) as ErrorCode[]),
  ...(Object.keys(SERVICE_ERROR_TABLE) as ServiceErrorCode[]),
])
