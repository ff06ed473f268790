import { AuthError, createProblem, describeError } from '@keygate/core'
import type { FastifyBaseLogger } from 'fastify'
import { InvalidCursorError } from '../store/types.js'
import { ServiceError } from './errors.js'
import { serviceProblem, type ServiceProblem } from './service-problem.js'

type FastifyLikeError = Error & { code?: unknown; statusCode?: unknown; validation?: unknown }

/** Fastify's own errors (by code) and the store's cursor error, as the service's problems. */
function fromFastify(error: FastifyLikeError): ServiceError | undefined {
  if (error instanceof InvalidCursorError) {
    return new ServiceError('validation_failed', {
      detail: 'The query string is invalid',
      errors: [{ path: '/cursor', message: 'is not a cursor this list issued' }],
    })
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ServiceError('unsupported_media_type', {
        detail: 'Content-Type must be application/json',
      })
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ServiceError('payload_too_large', { detail: 'The request body is too large' })
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ServiceError('validation_failed', {
        detail: 'The request body is not valid JSON',
        errors: [{ path: '', message: 'malformed JSON' }],
      })
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ServiceError('validation_failed', {
        detail: 'Content-Length does not match the body',
      })
    // The path is not echoed: it is whatever the client sent.
    case 'FST_ERR_BAD_URL':
      return new ServiceError('malformed_request', {
        detail: 'The request path is not valid percent-encoding',
      })
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ServiceError('uri_too_long', { detail: 'A path segment is too long' })
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500
  // Any other client error Fastify raises is a malformed request; its message stays out.
  if (status >= 400 && status < 500)
    return new ServiceError('validation_failed', { detail: 'The request is invalid' })
  return undefined
}

/**
 * Turns anything a route, hook or Fastify threw into the service's problem+json answer: an
 * `AuthError` through core's `createProblem` (status and challenge from core's table), a
 * `ServiceError` through `serviceProblem` (its `errors` and extra headers ride along); anything
 * unexpected is `500 internal_error` with its class and code logged, never its message (it
 * might quote a credential) and never a stack in the answer.
 */
export function toProblem(
  error: unknown,
  options: { realm: string; requestId: string; log: FastifyBaseLogger },
): ServiceProblem {
  let known: AuthError | ServiceError | undefined =
    error instanceof AuthError || error instanceof ServiceError ? error : undefined
  if (known === undefined && error instanceof Error) known = fromFastify(error)
  if (known === undefined) {
    options.log.error(describeError(error), 'unexpected error')
  } else if (known.code === 'auth_unavailable' && known.cause !== undefined) {
    options.log.error({ cause: describeError(known.cause) }, 'database unavailable')
  }
  if (known instanceof ServiceError) {
    return serviceProblem(known, { realm: options.realm, requestId: options.requestId })
  }
  return createProblem(known ?? error, { realm: options.realm, requestId: options.requestId })
}
