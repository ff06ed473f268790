import { type ProblemCode, describeCode } from './service-error-table.js'

/** One entry of a `validation_failed` problem: a JSON Pointer and a message. */
export type FieldError = { path: string; message: string }

/**
 * An error the token service answers with — not an `AuthError`: its code is one of the service's
 * own (`SERVICE_ERROR_TABLE`: `not_found`, `validation_failed`, `rate_limited`, …), or an
 * authentication code of core's when the service refuses a credential itself (`invalid_token`
 * for a wrong password). It carries the extra members and headers some codes need: `errors` for
 * `validation_failed`, `Allow` for `method_not_allowed`, the rate-limit fields for
 * `rate_limited`. `toProblem` turns it into problem+json.
 *
 * @example
 * ```ts
 * throw new ServiceError('not_found')
 * ```
 */
export class ServiceError extends Error {
  readonly code: ProblemCode
  readonly status: number
  /** Safe to show the caller: never a credential, hash or source error text. */
  readonly detail: string
  readonly errors: FieldError[] | undefined
  readonly headers: Record<string, string>
  readonly retryAfterSeconds: number | undefined
  /**
   * Why, finer than `code`, for callers other than HTTP (the CLI words its own message from it):
   * `not_found` of a rotation is `missing`, `revoked` or `expired`. Never sent to a client.
   */
  readonly reason: string | undefined
  /** The facts behind `reason` (the scopes refused, the bounds broken). Never sent to a client. */
  readonly facts: Readonly<Record<string, unknown>>

  constructor(
    code: ProblemCode,
    options: {
      detail?: string
      errors?: FieldError[]
      headers?: Record<string, string>
      retryAfterSeconds?: number
      reason?: string
      facts?: Record<string, unknown>
      cause?: unknown
    } = {},
  ) {
    const { status, title } = describeCode(code)
    const detail = options.detail ?? title
    // An answer, not a bug: like core's AuthError it captures no stack (a flood of bad requests
    // would pay for one every time).
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      super(detail, options.cause === undefined ? undefined : { cause: options.cause })
    } finally {
      Error.stackTraceLimit = limit
    }
    this.name = 'ServiceError'
    this.code = code
    this.status = status
    this.detail = detail
    this.errors = options.errors
    this.headers = options.headers ?? {}
    this.retryAfterSeconds = options.retryAfterSeconds
    this.reason = options.reason
    this.facts = Object.freeze({ ...options.facts })
  }
}

/** `400 validation_failed` for one field. */
export function invalidField(
  path: string,
  message: string,
  detail = 'The request is invalid',
): ServiceError {
  return new ServiceError('validation_failed', { detail, errors: [{ path, message }] })
}

/** The uniform `404 not_found`: the same answer whether the thing is missing or not the caller's. */
export function notFound(reason?: string): ServiceError {
  return new ServiceError('not_found', {
    detail: 'Not found',
    ...(reason === undefined ? {} : { reason }),
  })
}
