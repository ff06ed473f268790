import type { AuthRequest } from './auth-request.js'
import type { AuthResult, Authenticator, Verdict } from './authenticator.js'
import { createProblem } from './create-problem.js'
import { isThenable } from './lib/is-thenable.js'
import type { Principal } from './principal.js'

const NO_SCOPES: readonly string[] = Object.freeze([])

type Parts = Pick<Authenticator, 'realm' | 'authenticate' | 'authorize'>
type Memo = Record<symbol, AuthResult | PromiseLike<AuthResult> | undefined>

/**
 * The `request_id` of a problem answer for `request`: its `requestId`, else its
 * `problemRequestId()`, else a random UUID.
 */
export function problemIdOf(request: AuthRequest): string {
  return request.requestId ?? request.problemRequestId?.() ?? globalThis.crypto.randomUUID()
}

/**
 * Builds `check`, `principal` and `memoKey` of an authenticator over its `authenticate` and
 * `authorize`: the per-request entry point every adapter calls.
 */
export function bindCheck(parts: Parts): Pick<Authenticator, 'check' | 'principal' | 'memoKey'> {
  // Private to this authenticator: a memo another gate left on the same request is never read.
  const memoKey = Symbol('keygate.memo')

  function conclude(result: AuthResult, scopes: readonly string[], request: AuthRequest): Verdict {
    const decided = scopes.length === 0 ? result : parts.authorize(result, scopes, request)
    if (decided.ok) return decided
    return {
      ok: false,
      error: decided.error,
      problem: createProblem(decided.error, {
        realm: parts.realm,
        requestId: problemIdOf(request),
      }),
    }
  }

  return {
    memoKey,
    check(request, scopes = NO_SCOPES, memo) {
      const held = memo === undefined ? undefined : (memo as Memo)[memoKey]
      const result = held ?? parts.authenticate(request)
      if (memo !== undefined && held === undefined) (memo as Memo)[memoKey] = result
      if (!isThenable(result)) return conclude(result, scopes, request)
      return Promise.resolve(result).then((settled) => {
        if (memo !== undefined) (memo as Memo)[memoKey] = settled
        return conclude(settled, scopes, request)
      })
    },
    principal(memo): Principal | undefined {
      const held = (memo as Memo)[memoKey]
      return held === undefined || isThenable(held) || !held.ok ? undefined : held.principal
    },
  }
}

/**
 * An authenticator that authenticates with `authenticate` (typically a wrapper of the original's,
 * for timing or tracing) and otherwise is `authenticator`: its `check` runs the new function.
 *
 * @example
 * ```ts
 * const timed = withAuthenticate(gate, (request) => time(() => gate.authenticate(request)))
 * ```
 */
export function withAuthenticate(
  authenticator: Authenticator,
  authenticate: Authenticator['authenticate'],
): Authenticator {
  const parts: Parts = {
    realm: authenticator.realm,
    authenticate,
    authorize: (result, scopes, request) => authenticator.authorize(result, scopes, request),
  }
  const respond: Authenticator['respond'] = (error, options) =>
    authenticator.respond(error, options)
  return { ...parts, respond, ...bindCheck(parts) }
}
