import type { ProblemCode } from '../lib/service-error-table.js'

type Scheme = Readonly<Record<string, unknown>>

/**
 * The security schemes the token service's operations may name. The generator puts into
 * `components.securitySchemes` only those some operation requires.
 */
export const SECURITY_SCHEMES: Readonly<Record<string, Scheme>> = {
  apiToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'keygate API token',
    description:
      'An API token (`kg_…`) from `POST /v1/auth/tokens`, sent as `Authorization: Bearer <token>`. ' +
      'The scopes listed on an operation are the ones the token must hold.',
  },
  session: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A session from `POST /v1/auth/sessions`, sent as `Authorization: Bearer <jwt>`.',
  },
  internalToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The external auth backend’s internal token (external auth on). On the API, with ' +
      '`X-On-Behalf-Of: <user id>`: the request acts as that user, within the user’s own scopes.',
  },
  serviceToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The service token of remote verifiers (`KEYGATE_SERVICE_TOKEN`, or `introspection.serviceToken`), ' +
      'for `POST /v1/auth/introspect` and `GET /v1/auth/revocations`. A user’s API token or session is refused.',
  },
  metricsToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The metrics service token (`metrics.serviceToken`), required when `metrics.protect` is ' +
      '`service-token`.',
  },
}

/** How the API-token gate of a server is described: its schemes and the errors it answers. */
export type GateDescription = {
  /** Scheme names; a protected operation requires any one of them, with its scopes. */
  readonly schemes: readonly string[]
  /** Definitions beyond {@link SECURITY_SCHEMES} (the session cookie, named by configuration). */
  readonly securitySchemes: Readonly<Record<string, Scheme>>
  /** Errors of every protected operation. */
  readonly errors: readonly ProblemCode[]
  /** Errors of protected operations that change something (not `GET`/`HEAD`). */
  readonly writeErrors: readonly ProblemCode[]
}

// What any gate answers: malformed or duplicate credentials, none, a wrong one, a missing scope,
// and an outage or an unset secret (SPEC §7).
const BASE: readonly ProblemCode[] = [
  'invalid_request',
  'missing_credentials',
  'invalid_token',
  'insufficient_scope',
  'auth_unavailable',
  'auth_not_configured',
]

/**
 * The token service's gate: API tokens, sessions (bearer or cookie; a cookie write must pass the
 * origin check, `403 csrf_failed`) and, with external auth on, the internal token on behalf of a
 * user (`400 missing_on_behalf_of`, `404 user_not_found`, `403 user_disabled`).
 *
 * @example
 * ```ts
 * buildOpenAPIDocument({ routes, gate: describeGate({ sessionCookie: '__Host-keygate_session', internalToken: false }) })
 * ```
 */
export function describeGate(options: {
  sessionCookie?: string | undefined
  internalToken: boolean
}): GateDescription {
  const schemes = ['apiToken', 'session']
  const securitySchemes: Record<string, Scheme> = {}
  const errors = [...BASE]
  const writeErrors: ProblemCode[] = []
  if (options.sessionCookie !== undefined) {
    schemes.push('sessionCookie')
    securitySchemes.sessionCookie = {
      type: 'apiKey',
      in: 'cookie',
      name: options.sessionCookie,
      description:
        'The console’s session cookie (`HttpOnly; Secure; SameSite=Strict`). A request that ' +
        'changes something must come from an allowed origin.',
    }
    writeErrors.push('csrf_failed')
  }
  if (options.internalToken) {
    schemes.push('internalToken')
    errors.push('invalid_internal_token', 'missing_on_behalf_of', 'user_not_found', 'user_disabled')
  }
  return { schemes, securitySchemes, errors, writeErrors }
}

/** The gate when nothing is known: API tokens only. */
export const API_TOKEN_GATE: GateDescription = {
  schemes: ['apiToken'],
  securitySchemes: {},
  errors: BASE,
  writeErrors: [],
}
