import type { AuthRequest } from './auth-request.js'
import type { ProblemResponse } from './create-problem.js'
import type { ErrorCode } from './error-table.js'
import type { AuthError } from './errors.js'
import type { Principal } from './principal.js'

/**
 * One authentication (or authorization) decision, reported to `onDecision` for logs, metrics and
 * audit. It never carries a secret: only the public token id and the principal's subject.
 */
export type AuthDecision = {
  /** `shadow-deny`: would have been denied, let through in shadow mode. `open`/`dev`: unset secret let through. */
  outcome: 'allow' | 'deny' | 'shadow-deny' | 'open' | 'dev'
  code?: ErrorCode
  strategy?: string
  subject?: string
  tokenId?: string
  clientIp?: string
  /** The request's id, when the adapter supplies one (`AuthRequest.requestId`). */
  requestId?: string
  method: string
  /** The request path without its query string. */
  path: string
}

/** The result of {@link Authenticator.authenticate}: what the adapter does next. */
export type AuthResult =
  | {
      readonly ok: true
      readonly principal: Principal | undefined
      /** Why the request may go on. Only `authenticated` carries a verified principal. */
      readonly reason: 'authenticated' | 'public' | 'shadow' | 'open' | 'dev'
    }
  | { readonly ok: false; readonly error: AuthError }

/**
 * The answer of {@link Authenticator.check}: go on (the principal, when one was verified), or
 * write `problem` (status, headers, problem+json body) and stop.
 */
export type Verdict =
  | Extract<AuthResult, { readonly ok: true }>
  | { readonly ok: false; readonly error: AuthError; readonly problem: ProblemResponse }

/**
 * The gate every adapter calls: public-path check, credential extraction, the strategy chain,
 * modes, scope checks and the HTTP answer for errors.
 */
export type Authenticator = {
  readonly realm: string
  /**
   * Authenticates a request. Never throws: a failure is `{ ok: false, error }`. Answers
   * synchronously when it can (fresh caches); `await` works on either.
   */
  authenticate(request: AuthRequest): AuthResult | Promise<AuthResult>
  /**
   * Checks that an authenticated request holds every scope in `scopes` (`requireScopes`).
   * In shadow mode a missing scope is reported and let through.
   */
  authorize(result: AuthResult, scopes: readonly string[], request: AuthRequest): AuthResult
  /** The problem+json answer for an error: status, headers (challenge, Retry-After) and body. */
  respond(error: unknown, options?: { requestId?: string | undefined }): ProblemResponse
  /**
   * The one call an adapter makes per request: authenticates (once per `memo`), checks `scopes`
   * and answers either the principal or the finished problem answer to write as is. `memo` is
   * any object that lives as long as the request (the framework's request or context): a second
   * call with the same `memo` (a route's `requireScopes` after the global gate) reuses the first
   * authentication instead of running the strategies again, and another authenticator never
   * trusts it. Never throws; synchronous when the strategies are (fresh caches).
   *
   * @example
   * ```ts
   * const verdict = await gate.check(request, ['things:read'], req)
   * if (!verdict.ok) res.writeHead(verdict.problem.status, verdict.problem.headers).end(JSON.stringify(verdict.problem.body))
   * ```
   */
  check(request: AuthRequest, scopes?: readonly string[], memo?: object): Verdict | Promise<Verdict>
  /**
   * The principal {@link check} verified for the request `memo` stands for, or `undefined`
   * (not checked yet, refused, a public path, a shadow or open pass-through).
   */
  principal(memo: object): Principal | undefined
  /**
   * The property `check` keeps its memo under on the `memo` object, for frameworks that declare
   * request properties up front (Fastify's `decorateRequest`). Private to this authenticator.
   */
  readonly memoKey: symbol
}
