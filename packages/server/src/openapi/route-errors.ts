import { describeCode, type ProblemCode } from '../lib/service-error-table.js'
import type { CollectedRoute } from './collect-routes.js'
import { API_TOKEN_GATE, type GateDescription } from './security-schemes.js'

// A gate of a route's own (`schema.security` on a route public to the API-token gate).
const OWN_GATE: readonly ProblemCode[] = [
  'invalid_request',
  'missing_credentials',
  'invalid_token',
  'auth_unavailable',
  'auth_not_configured',
]

/** True when the API-token gate runs before the route (anything not marked public). */
export function isGated(route: CollectedRoute): boolean {
  return route.config?.keygate !== false
}

/**
 * The error codes a route can answer, inferred from how it is declared: the gate in front of it
 * (the API-token gate, or a gate of its own named by `schema.security`), its request schemas (an
 * invalid body, query or path; a body too large or not JSON), a path id (`404`), plus what the
 * route declares in `schema.errors`. Every route can fail with `500 internal_error`.
 *
 * @example
 * ```ts
 * routeErrors(route) // ['validation_failed', 'missing_credentials', …, 'internal_error']
 * ```
 */
export function routeErrors(
  route: CollectedRoute,
  gate: GateDescription = API_TOKEN_GATE,
): ProblemCode[] {
  const codes = new Set<ProblemCode>()
  const schema = route.schema ?? {}
  if (isGated(route)) {
    for (const code of gate.errors) codes.add(code)
    if (route.method !== 'GET' && route.method !== 'HEAD') {
      for (const code of gate.writeErrors) codes.add(code)
    }
  } else if (schema.security !== undefined && schema.security.length > 0) {
    for (const code of OWN_GATE) codes.add(code)
  }
  if (schema.body !== undefined) {
    codes.add('validation_failed')
    codes.add('payload_too_large')
    codes.add('unsupported_media_type')
  }
  if (schema.querystring !== undefined || schema.params !== undefined) {
    codes.add('validation_failed')
  }
  if (schema.params !== undefined) codes.add('not_found')
  for (const code of schema.errors ?? []) codes.add(code)
  codes.add('internal_error')
  return [...codes].sort(
    (a, b) => describeCode(a).status - describeCode(b).status || a.localeCompare(b),
  )
}
