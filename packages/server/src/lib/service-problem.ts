import { AuthError, createProblem, PROBLEM_TYPE_BASE, type ProblemBody } from '@keygate/core'
import type { ServiceError } from './errors.js'
import { describeCode, type ProblemCode } from './service-error-table.js'

/** An RFC 9457 problem body as the service answers it: core's shape, with any service code. */
export type ServiceProblemBody = Omit<ProblemBody, 'code'> & { code: ProblemCode }

/** A complete HTTP answer of the service: status, headers, problem+json body. */
export type ServiceProblem = {
  status: number
  headers: Record<string, string>
  body: ServiceProblemBody
}

/** Options of {@link serviceProblem}. */
export type ServiceProblemOptions = {
  /** `realm` of the challenge, for a service error with an authentication code. */
  realm?: string
  requestId?: string | undefined
  /** Prefix of the `type` URI; the code is appended as the fragment. */
  typeBase?: string
}

/**
 * The problem+json answer of a {@link ServiceError}: the same body as core's `createProblem`
 * (type, title, status, detail, code, request_id, errors), its extra headers, `Retry-After` when
 * it has one. An authentication code keeps core's challenge (`WWW-Authenticate`).
 *
 * @example
 * ```ts
 * const { status, headers, body } = serviceProblem(new ServiceError('not_found'), { requestId })
 * ```
 */
export function serviceProblem(
  error: ServiceError,
  options: ServiceProblemOptions = {},
): ServiceProblem {
  const { status, title, challenge } = describeCode(error.code)
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
  }
  if (challenge) {
    // Core builds the challenge of its own codes (RFC 6750 §3).
    const core = createProblem(
      new AuthError(error.code as AuthError['code'], { detail: error.detail }),
      { realm: options.realm ?? 'api' },
    )
    const header = core.headers['www-authenticate']
    if (header !== undefined) headers['www-authenticate'] = header
  }
  if (error.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(error.retryAfterSeconds)
  }
  Object.assign(headers, error.headers)
  const body: ServiceProblemBody = {
    type: `${options.typeBase ?? PROBLEM_TYPE_BASE}${error.code}`,
    title,
    status,
    detail: error.detail,
    code: error.code,
  }
  if (options.requestId !== undefined) body.request_id = options.requestId
  if (error.errors !== undefined) body.errors = error.errors
  return { status, headers, body }
}
