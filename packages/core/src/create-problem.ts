import { AuthError } from './errors.js'
import { ERROR_TABLE, type ErrorCode } from './error-table.js'
import { buildWWWAuthenticate } from './build-www-authenticate.js'

/** An RFC 9457 problem details body, as keygate answers every error (SPEC §7). */
export type ProblemBody = {
  type: string
  title: string
  status: number
  detail: string
  code: ErrorCode
  request_id?: string
  errors?: { path: string; message: string }[]
}

/** A complete HTTP answer: adapters copy it to their response object as is. */
export type ProblemResponse = {
  status: number
  headers: Record<string, string>
  body: ProblemBody
}

/** Options of {@link createProblem}. */
export type ProblemOptions = {
  /** `realm` of the `WWW-Authenticate` challenge. Default `"api"`. */
  realm?: string
  requestId?: string | undefined
  /** Prefix of the `type` URI; the code is appended as the fragment. */
  typeBase?: string
  errors?: { path: string; message: string }[]
}

/** Base of the problem `type` URIs: each code has an anchor in `docs/errors.md`. */
export const PROBLEM_TYPE_BASE = 'https://keygate.dev/errors#'

/**
 * Turns any thrown value into the HTTP answer keygate gives: an {@link AuthError} keeps its code,
 * anything else becomes `500 internal_error` without its message (it might hold a secret).
 *
 * @example
 * ```ts
 * const { status, headers, body } = createProblem(new InvalidTokenError(), { realm: 'api' })
 * res.writeHead(status, headers).end(JSON.stringify(body))
 * ```
 */
export function createProblem(error: unknown, options: ProblemOptions = {}): ProblemResponse {
  const authError = error instanceof AuthError ? error : new AuthError('internal_error')
  const row = ERROR_TABLE[authError.code]
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
  }
  if (row.challenge !== null) {
    headers['www-authenticate'] = buildWWWAuthenticate({
      realm: options.realm ?? 'api',
      error: row.challenge === 'none' ? undefined : row.challenge,
      description: row.challenge === 'none' ? undefined : authError.detail,
      scope: 'scopes' in authError ? (authError.scopes as readonly string[]) : undefined,
    })
  }
  if ('retryAfterSeconds' in authError && typeof authError.retryAfterSeconds === 'number') {
    headers['retry-after'] = String(authError.retryAfterSeconds)
  }
  const body: ProblemBody = {
    type: `${options.typeBase ?? PROBLEM_TYPE_BASE}${authError.code}`,
    title: row.title,
    status: row.status,
    detail: authError.detail,
    code: authError.code,
  }
  if (options.requestId !== undefined) body.request_id = options.requestId
  if (options.errors !== undefined) body.errors = options.errors
  return { status: row.status, headers, body }
}
