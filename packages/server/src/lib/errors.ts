import { AuthError, type ErrorCode } from '@keygate/core'

/** One entry of a `validation_failed` problem: a JSON Pointer and a message. */
export type FieldError = { path: string; message: string }

/**
 * An error the token service answers with (problem+json via core's `createProblem`), with the
 * extra members and headers some codes carry: `errors` for `validation_failed`, `Allow` for
 * `method_not_allowed`, the rate-limit fields for `rate_limited`.
 *
 * @example
 * ```ts
 * throw new ServiceError('not_found')
 * ```
 */
export class ServiceError extends AuthError {
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
    code: ErrorCode,
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
    super(code, { detail: options.detail, cause: options.cause })
    this.name = 'ServiceError'
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
