import { KeygateError, type Principal } from '@keygate/core'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { kit, problemResponse } from './lib/state.js'

/**
 * The principal keygate verified for this request, or `undefined` on public paths and for
 * unauthenticated pass-throughs. Unlike `c.var.auth`, no other middleware can set it.
 *
 * @example
 * ```ts
 * app.get('/v1/whoami', (c) => c.json({ principal: getPrincipal(c) ?? null }))
 * ```
 */
export function getPrincipal(c: Context): Principal | undefined {
  return kit.getPrincipal(c)
}

/**
 * The principal keygate verified for this request; throws when there is none, so a route wired
 * without authentication by mistake fails closed instead of running anonymously.
 *
 * @throws HTTPException (401, its `res` the `missing_credentials` problem) when no principal was
 *   verified; Hono's default error handler answers it as is, a custom `app.onError` should return
 *   `err.getResponse()` for an `HTTPException`. A plain `Error` when `keygate()` never ran.
 * @example
 * ```ts
 * app.get('/v1/users/me', (c) => c.json(loadUser(requirePrincipal(c).subject)))
 * ```
 */
export function requirePrincipal(c: Context): Principal {
  try {
    return kit.requirePrincipal(c)
  } catch (error) {
    if (!(error instanceof KeygateError)) throw error
    throw new HTTPException(401, { res: problemResponse(c, error.response()) })
  }
}
