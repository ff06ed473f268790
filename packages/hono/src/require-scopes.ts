import { validateScopes } from '@keygate/core'
import type { MiddlewareHandler } from 'hono'
import { kit, problemResponse } from './lib/state.js'

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
  const required = validateScopes(scopes, 'requireScopes()', { atLeastOne: true })
  return async function keygateRequireScopes(c, next) {
    const verdict = await kit.check(kit.gateOf(c, 'requireScopes()'), c, required)
    if (!verdict.ok) return problemResponse(c, verdict.problem)
    await next()
  }
}
