import type { MiddlewareHandler } from 'hono'
import { problemResponse, states } from './lib/state.js'

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/**
 * Middleware that requires every listed scope, after {@link keygate}: `401` without a verified
 * principal, `403 insufficient_scope` (with `scope="…"` in the challenge) when one is missing.
 * Scopes are validated once, here.
 *
 * @throws TypeError for an empty list or an invalid scope token. At request time, an `Error`
 *   (so a 500 from `app.onError`, never an open route) when `keygate()` did not run first.
 * @example
 * ```ts
 * app.get('/v1/things', requireScopes('things:read'), (c) => c.json(listThings()))
 * ```
 */
export function requireScopes(...scopes: string[]): MiddlewareHandler {
  if (scopes.length === 0) throw new TypeError('requireScopes(): at least one scope is required')
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new TypeError(`requireScopes(): ${JSON.stringify(scope)} is not a valid scope`)
    }
  }
  const required = Object.freeze([...scopes])
  return async function keygateRequireScopes(c, next) {
    const state = states.get(c)
    if (state === undefined) {
      throw new Error('requireScopes(): the keygate() middleware must run before it')
    }
    const result = state.authenticator.authorize(state.result, required, state.request)
    if (!result.ok) return problemResponse(c, state, result.error)
    await next()
  }
}
