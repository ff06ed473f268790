import {
  AuthError,
  AuthUnavailableError,
  describeError,
  type HeaderValues,
  type Principal,
  type ProblemResponse,
  type Strategy,
} from '@keygate/core'
import { createGate, type GateOptions } from '../auth/create-gate.js'
import { ServiceError } from '../lib/errors.js'
import { serviceProblem, type ServiceProblem } from '../lib/service-problem.js'
import type { AssertionIssuer } from './create-assertion-issuer.js'
import { compileRules, type ForwardAuthRule } from './forward-auth-rules.js'

/** Identity headers a gateway sets on the request it forwards (docs/edge.md). */
export const IDENTITY_HEADERS = {
  subject: 'x-keygate-subject',
  scopes: 'x-keygate-scopes',
  tokenId: 'x-keygate-token-id',
  via: 'x-keygate-via',
  assertion: 'keygate-assertion',
} as const

/** Options of {@link createEdgeGate}. */
export type EdgeGateOptions = GateOptions & {
  /** API tokens and sessions (the token service's own strategies). */
  strategies: readonly Strategy[]
  rules: readonly ForwardAuthRule[]
  assertions: AssertionIssuer
}

/** The request being decided: the original one, as a proxy reports it or as `keygate proxy` sees it. */
export type EdgeRequest = {
  method: string
  /** Canonical path, or `undefined` when the proxy did not say (then no rule can apply). */
  path: string | undefined
  header: HeaderValues
  clientIp?: string | undefined
  requestId?: string | undefined
  /**
   * `aud` of the assertion, from configuration only (never from the request's Host); with none,
   * no `Keygate-Assertion` is issued.
   */
  audience: string | undefined
}

/** What the gate decided. `headers` are the identity headers to forward (none for a public rule). */
export type EdgeAnswer =
  | {
      readonly ok: true
      readonly principal: Principal | undefined
      readonly headers: Record<string, string>
    }
  | { readonly ok: false; readonly problem: ProblemResponse }

/** Decides forwarded requests for `/v1/auth/check` and `keygate proxy`. */
export type EdgeGate = {
  /** Whether some rule needs the original path (so a check without one is refused). */
  readonly hasRules: boolean
  decide(request: EdgeRequest): Promise<EdgeAnswer>
  /** The problem+json answer of a refusal: core's for an `AuthError`, the service's for a `ServiceError`. */
  respond(error: unknown, requestId?: string): ServiceProblem
}

/**
 * The decision shared by `GET /v1/auth/check` and `keygate proxy`: the first rule matching the
 * method and canonical path decides what is needed (`public`: nothing, not even a look at the
 * credentials; `scopes`: all of them; no rule: any valid API token or session). An allowed user
 * gets the identity headers and, when an `audience` is configured, a fresh `Keygate-Assertion`
 * for it; a refusal is the
 * same problem+json and `WWW-Authenticate` as every other route answers.
 *
 * @example
 * ```ts
 * const gate = createEdgeGate({ strategies, rules, realm: 'keygate', assertions, logger })
 * const answer = await gate.decide({ method: 'GET', path: '/admin', header, audience })
 * ```
 */
export function createEdgeGate(options: EdgeGateOptions): EdgeGate {
  const match = compileRules(options.rules)
  // Built like every gate of the service: the rules decide what is public, never a path list.
  const authenticator = createGate(options)
  const { assertions, logger } = options

  return {
    hasRules: options.rules.length > 0,
    async decide(request) {
      const rule = request.path === undefined ? undefined : match(request.method, request.path)
      if (rule?.public === true) return { ok: true, principal: undefined, headers: {} }
      const auth = {
        method: request.method,
        path: request.path ?? '/',
        header: request.header,
        clientIp: request.clientIp,
        requestId: request.requestId,
      }
      let result = await authenticator.authenticate(auth)
      if (rule?.scopes !== undefined && rule.scopes.length > 0) {
        result = authenticator.authorize(result, rule.scopes, auth)
      }
      if (!result.ok) {
        return {
          ok: false,
          problem: authenticator.respond(result.error, { requestId: request.requestId }),
        }
      }
      const principal = result.principal
      if (principal === undefined) {
        // Only `authenticated` carries a principal; the edge gate runs in enforce mode, so this
        // is unreachable, and refused if it ever is not.
        return {
          ok: false,
          problem: authenticator.respond(new Error('no principal'), {
            requestId: request.requestId,
          }),
        }
      }
      const headers: Record<string, string> = {
        [IDENTITY_HEADERS.subject]: principal.subject,
        [IDENTITY_HEADERS.scopes]: principal.scopes.join(' '),
        [IDENTITY_HEADERS.via]: principal.via,
      }
      if (principal.tokenId !== undefined) headers[IDENTITY_HEADERS.tokenId] = principal.tokenId
      if (request.audience === undefined) return { ok: true, principal, headers }
      try {
        headers[IDENTITY_HEADERS.assertion] = await assertions.issue(principal, request.audience)
      } catch (error) {
        logger.warn(describeError(error), 'keygate: gateway assertion could not be signed')
        // The keyring reads the store: an outage is 503, never a 200 without an assertion.
        const refusal =
          error instanceof AuthError
            ? error
            : new AuthUnavailableError({ detail: 'The gateway assertion cannot be signed' })
        return {
          ok: false,
          problem: authenticator.respond(refusal, { requestId: request.requestId }),
        }
      }
      return { ok: true, principal, headers }
    },
    respond(error, requestId) {
      if (error instanceof ServiceError) return serviceProblem(error, { requestId })
      return authenticator.respond(error, { requestId })
    },
  }
}
