import type { ErrorCode, ProblemBody, ProblemResponse } from '@keygate/core'

/**
 * The error {@link verifyKeygate | `fastify.verifyKeygate`} throws when a request is refused, for
 * composition with `@fastify/auth` and other hook chains that expect a failed check to throw.
 *
 * Fastify's default error handler already answers it with the right status and challenge
 * (`statusCode` and `headers` are read by Fastify); to answer `application/problem+json` like the
 * rest of keygate, send `problem` from your error handler. It never carries the presented
 * credential, a secret or a secret source's error text (it has no `cause` on purpose).
 *
 * @example
 * ```ts
 * app.setErrorHandler((error, request, reply) => {
 *   if (error instanceof KeygateError) {
 *     return reply.code(error.statusCode).headers(error.headers).type('application/problem+json').send(error.problem)
 *   }
 *   // … your own errors
 * })
 * ```
 */
export class KeygateError extends Error {
  /** The stable keygate error code (`missing_credentials`, `invalid_token`, …). */
  readonly code: ErrorCode
  /** The HTTP status; Fastify's default error handler uses it. */
  readonly statusCode: number
  /** `WWW-Authenticate`, `Retry-After` and `Cache-Control` as keygate answers them (no content type). */
  readonly headers: Readonly<Record<string, string>>
  /** The RFC 9457 problem body, `request_id` included. */
  readonly problem: ProblemBody

  constructor(response: ProblemResponse) {
    super(response.body.detail)
    this.name = 'KeygateError'
    this.code = response.body.code
    this.statusCode = response.status
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(response.headers)) {
      if (name !== 'content-type') headers[name] = value
    }
    this.headers = headers
    this.problem = response.body
  }
}
