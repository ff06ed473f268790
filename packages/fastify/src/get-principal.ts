import { KeygateError, MissingCredentialsError, type Principal } from '@keygate/core'
import type { FastifyRequest } from 'fastify'
import { findGate, gateOf } from './lib/gate.js'

/**
 * The principal keygate verified for this request, or `undefined` on public routes and for
 * unauthenticated pass-throughs (shadow mode, `whenUnset: 'open'`). Unlike reading
 * `request.auth`, it cannot be fooled by another plugin assigning that property.
 *
 * @example
 * ```ts
 * app.get('/v1/whoami', (request) => ({ principal: getPrincipal(request) ?? null }))
 * ```
 */
export function getPrincipal(request: FastifyRequest): Principal | undefined {
  return findGate(request)?.authenticator.principal(request)
}

/**
 * The principal keygate verified for this request; throws when there is none, so a route wired
 * without authentication by mistake fails closed instead of running anonymously.
 *
 * @throws KeygateError `missing_credentials` (401) when no principal was verified.
 * @example
 * ```ts
 * app.get('/v1/users/me', (request) => loadUser(requirePrincipal(request).subject))
 * ```
 */
export function requirePrincipal(request: FastifyRequest): Principal {
  const gate = gateOf(request, 'requirePrincipal()')
  const principal = gate.authenticator.principal(request)
  if (principal !== undefined) return principal
  throw new KeygateError(
    gate.authenticator.respond(new MissingCredentialsError(), {
      requestId: gate.requestId(request),
    }),
  )
}
