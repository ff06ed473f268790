import {
  AuthError,
  InvalidTokenError,
  serviceToken,
  type SecretCache,
  type Strategy,
  type StrategyResult,
} from '@keygate/core'

/** The scope the internal token's caller holds on the provisioning route (never a user's). */
export const PROVISIONING_SCOPE = 'keygate:provision-users'

function invalid(): AuthError {
  return new AuthError('invalid_internal_token', { detail: 'The internal token is not valid' })
}

function judged(result: StrategyResult): StrategyResult {
  // A bearer that is not the internal token is the wrong internal token here.
  if (result === undefined) throw invalid()
  return result
}

function reworded(error: unknown): never {
  throw error instanceof InvalidTokenError ? invalid() : error
}

/**
 * The strategy of `PUT /v1/internal/users/{id}`'s gate: the internal token itself, with no
 * `X-On-Behalf-Of` (no user is named). The same constant-time comparison of every configured
 * secret as `internalToken`, over the same cache. A missing bearer is `401 missing_credentials`,
 * any other bearer `401 invalid_internal_token`; an unset source is `503 auth_not_configured`
 * and a failing one `503 auth_unavailable` (the gate's answers).
 *
 * @example
 * ```ts
 * const gate = createSideGate({ ...gateOptions, strategy: internalCaller({ cache, actor }), scope: PROVISIONING_SCOPE })
 * ```
 */
export function internalCaller(options: { cache: SecretCache; actor: string }): Strategy {
  const inner = serviceToken({
    source: options.cache,
    subject: options.actor,
    scopes: [PROVISIONING_SCOPE],
  })
  return {
    name: 'internal-token',
    headers: inner.headers ?? [],
    // It is the internal token: an `X-On-Behalf-Of` beside it is the auth backend's, as on every
    // other route, and the user this route acts on is the one in its path.
    honoursOnBehalfOf: true,
    attach: (context) => inner.attach?.(context),
    authenticate(input) {
      // No bearer at all: the gate answers `401 missing_credentials` (RFC 6750 §3.1), before
      // the source is read, as for any other gate.
      if (input.credential?.kind !== 'bearer') return undefined
      let result: StrategyResult | Promise<StrategyResult>
      try {
        result = inner.authenticate(input)
      } catch (error) {
        reworded(error)
      }
      return result instanceof Promise ? result.then(judged, reworded) : judged(result)
    },
  }
}
