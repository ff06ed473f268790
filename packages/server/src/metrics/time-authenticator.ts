import { withAuthenticate, type AuthResult, type Authenticator } from '@keygate/core'

/**
 * Wraps an authenticator so that every authentication reports how long it took to decide, in
 * seconds: the whole strategy chain, cache hits and store round trips alike. A synchronous
 * answer stays synchronous (the gate's fast path is kept); `check` reuses its per-request memo,
 * so a request is timed once however many scope checks it goes through.
 *
 * @example
 * ```ts
 * await app.register(keygate, { authenticator: timeAuthenticator(gate, metrics.verification) })
 * ```
 */
export function timeAuthenticator(
  authenticator: Authenticator,
  observe: (seconds: number) => void,
): Authenticator {
  return withAuthenticate(authenticator, (request) => {
    const start = performance.now()
    const result = authenticator.authenticate(request)
    if (result instanceof Promise) {
      return result.then((settled: AuthResult) => {
        observe((performance.now() - start) / 1000)
        return settled
      })
    }
    observe((performance.now() - start) / 1000)
    return result
  })
}
