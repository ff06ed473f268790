import type { ErrorCode } from './error-table.js'
import type { ProblemBody, ProblemResponse } from './create-problem.js'

/**
 * A refusal as a thrown error, for code paths that expect a failed check to throw: Fastify's
 * `fastify.verifyKeygate` (for `@fastify/auth`) and every adapter's `requirePrincipal()`.
 *
 * The frameworks' default error handlers already answer it with the right status and challenge
 * (`statusCode`/`status` and `headers` are what Fastify, Express and Koa read); to answer
 * `application/problem+json` like the rest of keygate, send `problem` from your error handler.
 * It never carries the presented credential, a secret or a secret source's error text (it has no
 * `cause` on purpose).
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
  /** The HTTP status (Fastify reads `statusCode`, Express and Koa `status`). */
  readonly statusCode: number
  readonly status: number
  /** `true`: the message is the problem's `detail`, written for clients (Koa's `expose`). */
  readonly expose = true
  /** `WWW-Authenticate`, `Retry-After` and `Cache-Control` as keygate answers them (no content type). */
  readonly headers: Readonly<Record<string, string>>
  /** The RFC 9457 problem body, `request_id` included. */
  readonly problem: ProblemBody

  constructor(response: ProblemResponse) {
    super(response.body.detail)
    this.name = 'KeygateError'
    this.code = response.body.code
    this.statusCode = response.status
    this.status = response.status
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(response.headers)) {
      if (name !== 'content-type') headers[name] = value
    }
    this.headers = headers
    this.problem = response.body
  }

  /** The whole problem answer again (status, headers with the content type, body), to write. */
  response(): ProblemResponse {
    const headers = { 'content-type': 'application/problem+json', ...this.headers }
    return { status: this.status, headers, body: this.problem }
  }
}
