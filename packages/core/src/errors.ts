import { ERROR_TABLE, type ErrorCode } from './error-table.js'

/** Options shared by every {@link AuthError}. */
export type AuthErrorOptions = {
  /** Human-readable, safe to show the caller: never a credential, hash or source error text. */
  detail?: string
  /** Kept for logs; never serialised into a response. Must not carry a secret. */
  cause?: unknown
}

/**
 * Base class of every error keygate answers with. `code` is stable and documented in
 * `docs/errors.md`; `status` comes from the one {@link ERROR_TABLE}.
 *
 * @example
 * ```ts
 * if (err instanceof AuthError) console.log(err.code, err.status)
 * ```
 */
export class AuthError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly detail: string

  constructor(code: ErrorCode, options: AuthErrorOptions = {}) {
    const detail = options.detail ?? ERROR_TABLE[code].title
    // An AuthError is an answer, not a bug: its stack is never shown or logged, and capturing one
    // was most of the cost of refusing a request (a flood of bad tokens paid it every time).
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      super(detail, options.cause === undefined ? undefined : { cause: options.cause })
    } finally {
      Error.stackTraceLimit = limit
    }
    this.name = 'AuthError'
    this.code = code
    this.status = ERROR_TABLE[code].status
    this.detail = detail
  }
}

/** No credential was presented (401, challenge without `error`). */
export class MissingCredentialsError extends AuthError {
  constructor(options?: AuthErrorOptions) {
    super('missing_credentials', { detail: 'No credentials were presented', ...options })
    this.name = 'MissingCredentialsError'
  }
}

/** The credential is malformed, duplicated, oversized or mixed with another one (400). */
export class InvalidRequestError extends AuthError {
  constructor(options?: AuthErrorOptions) {
    super('invalid_request', options)
    this.name = 'InvalidRequestError'
  }
}

/** The credential is wrong, expired or revoked (401). */
export class InvalidTokenError extends AuthError {
  constructor(options?: AuthErrorOptions) {
    super('invalid_token', { detail: 'The credential is not valid', ...options })
    this.name = 'InvalidTokenError'
  }
}

/** Authenticated, but a required scope is missing (403). `scopes` lists what the route needs. */
export class InsufficientScopeError extends AuthError {
  readonly scopes: readonly string[]
  constructor(options: AuthErrorOptions & { scopes: readonly string[] }) {
    super('insufficient_scope', {
      detail: `Required scope: ${options.scopes.join(' ')}`,
      ...options,
    })
    this.name = 'InsufficientScopeError'
    this.scopes = [...options.scopes]
  }
}

/** No secret is configured and `whenUnset` is `deny` (503). */
export class AuthNotConfiguredError extends AuthError {
  constructor(options?: AuthErrorOptions) {
    super('auth_not_configured', { detail: 'Authentication is not configured', ...options })
    this.name = 'AuthNotConfiguredError'
  }
}

/** A secret source or token store failed and nothing valid can be served (503, `Retry-After`). */
export class AuthUnavailableError extends AuthError {
  readonly retryAfterSeconds: number
  constructor(options?: AuthErrorOptions & { retryAfterSeconds?: number }) {
    super('auth_unavailable', {
      detail: 'Authentication is temporarily unavailable',
      ...options,
    })
    this.name = 'AuthUnavailableError'
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 5
  }
}
