import type { AuthRequest } from './auth-request.js'
import type { AuthDecision, AuthResult, Authenticator } from './authenticator.js'
import { createProblem } from './create-problem.js'
import type { ErrorCode } from './error-table.js'
import {
  AuthError,
  AuthNotConfiguredError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  MissingCredentialsError,
} from './errors.js'
import {
  DEFAULT_MAX_CREDENTIAL_BYTES,
  extractCredential,
  type Credential,
} from './extract-credential.js'
import { bindCheck } from './check-request.js'
import { ON_BEHALF_OF_HEADER } from './internal-token/internal-token.js'
import { canonicalPath } from './lib/canonical-path.js'
import { isThenable } from './lib/is-thenable.js'
import { describeError, silentLogger, type Logger } from './logger.js'
import type { Principal } from './principal.js'
import { UNSET, type Strategy, type StrategyResult } from './strategy.js'

export type { AuthDecision, AuthResult, Authenticator, Verdict } from './authenticator.js'

/** Public paths by default (SPEC §3). */
export const DEFAULT_PUBLIC_PATHS: readonly string[] = ['/health', '/healthz', '/ready', '/readyz']

/** Options of {@link createAuthenticator}. */
export type AuthenticatorOptions = {
  /** Tried in order; the first that recognises the request decides. */
  strategies: readonly Strategy[]
  /** `enforce` (default) or `shadow`: decide, report, but let every request through. */
  mode?: 'enforce' | 'shadow'
  /**
   * When no strategy has a secret configured: `deny` (default, `503 auth_not_configured`) or
   * `open` (requests pass; warned at start and reported as `open` decisions).
   */
  whenUnset?: 'deny' | 'open'
  /**
   * Dev mode: with no secret configured, requests pass as principal `dev`. Defaults to
   * `KEYGATE_DEV_MODE === 'true'`. Refused (TypeError) when `NODE_ENV === 'production'`.
   */
  devMode?: boolean
  /** Paths that skip authentication, matched exactly on the canonical path. */
  publicPaths?: readonly string[]
  /** `realm` of the `WWW-Authenticate` challenge. Default `"api"`. */
  realm?: string
  /** Largest credential header value accepted (default 4096), checked before any work. */
  maxCredentialBytes?: number
  onDecision?: (decision: AuthDecision) => void
  logger?: Logger
  /** Environment for `devMode`/`NODE_ENV`; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
}

const PUBLIC: AuthResult = Object.freeze({ ok: true, principal: undefined, reason: 'public' })

const DEV_PRINCIPAL: Principal = Object.freeze({
  kind: 'service',
  subject: 'dev',
  scopes: Object.freeze([]),
  via: 'service-token',
})

function processEnv(): Readonly<Record<string, string | undefined>> {
  return (
    (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {}
  )
}

function isPrincipal(value: unknown): value is Principal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Principal).subject === 'string' &&
    Array.isArray((value as Principal).scopes)
  )
}

function pathOnly(target: string): string {
  const q = target.indexOf('?')
  return q === -1 ? target : target.slice(0, q)
}

/**
 * Creates the gate. Options are copied and validated once, here.
 *
 * @throws TypeError naming the bad option (no strategy, a non-canonical public path, dev mode in
 *   production, …).
 * @example
 * ```ts
 * const gate = createAuthenticator({
 *   strategies: [serviceToken({ source: env('KEYGATE_SERVICE_TOKEN') })],
 *   onDecision: (d) => logger.info(d, 'auth decision'),
 * })
 * const verdict = await gate.check(request, ['things:read'], req)
 * ```
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createAuthenticator(): options are required')
  }
  const strategies = [...(options.strategies ?? [])]
  if (strategies.length === 0 || strategies.some((s) => typeof s?.authenticate !== 'function')) {
    throw new TypeError('createAuthenticator(): strategies must be a non-empty list of strategies')
  }
  const mode = options.mode ?? 'enforce'
  if (mode !== 'enforce' && mode !== 'shadow') {
    throw new TypeError("createAuthenticator(): mode must be 'enforce' or 'shadow'")
  }
  const whenUnset = options.whenUnset ?? 'deny'
  if (whenUnset !== 'deny' && whenUnset !== 'open') {
    throw new TypeError("createAuthenticator(): whenUnset must be 'deny' or 'open'")
  }
  const vars = options.env ?? processEnv()
  const devMode = options.devMode ?? vars.KEYGATE_DEV_MODE === 'true'
  if (devMode && vars.NODE_ENV === 'production') {
    throw new TypeError('createAuthenticator(): devMode is refused when NODE_ENV=production')
  }
  const publicPaths = new Set(options.publicPaths ?? DEFAULT_PUBLIC_PATHS)
  for (const path of publicPaths) {
    if (typeof path !== 'string' || canonicalPath(path) !== path || path.includes('?')) {
      throw new TypeError(
        `createAuthenticator(): publicPaths entry ${JSON.stringify(path)} is not a canonical path`,
      )
    }
  }
  const realm = options.realm ?? 'api'
  const maxBytes = options.maxCredentialBytes ?? DEFAULT_MAX_CREDENTIAL_BYTES
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new TypeError('createAuthenticator(): maxCredentialBytes must be a positive integer')
  }
  const headers = [...new Set(strategies.flatMap((s) => s.headers ?? []))]
  // With X-On-Behalf-Of, the strategies that honour it (internalToken) are tried first: a bearer
  // serviceToken placed before them would otherwise claim, or refuse, the internal token.
  const onBehalfChain = [
    ...strategies.filter((s) => s.honoursOnBehalfOf === true),
    ...strategies.filter((s) => s.honoursOnBehalfOf !== true),
  ]
  const logger = options.logger ?? silentLogger
  for (const strategy of strategies) strategy.attach?.({ logger })
  const onDecision = options.onDecision

  if (devMode) {
    logger.warn(
      { devMode: true },
      'keygate: DEV MODE: with no secret configured, requests pass as "dev"',
    )
  } else if (whenUnset === 'open') {
    logger.warn(
      { whenUnset: 'open' },
      "keygate: whenUnset is 'open': with no secret configured, requests pass unauthenticated",
    )
  }

  function report(
    request: AuthRequest,
    outcome: AuthDecision['outcome'],
    fields: { code?: ErrorCode; strategy?: string | undefined; principal?: Principal | undefined },
  ): void {
    if (onDecision === undefined) return
    const decision: AuthDecision = { outcome, method: request.method, path: pathOnly(request.path) }
    if (fields.code !== undefined) decision.code = fields.code
    if (fields.strategy !== undefined) decision.strategy = fields.strategy
    if (fields.principal !== undefined) {
      decision.subject = fields.principal.subject
      if (fields.principal.tokenId !== undefined) decision.tokenId = fields.principal.tokenId
    }
    if (request.clientIp !== undefined) decision.clientIp = request.clientIp
    if (request.requestId !== undefined) decision.requestId = request.requestId
    try {
      // Typed as returning void, but an async hook is assignable: never leave its rejection
      // unhandled (that would take a Node process down).
      const returned: unknown = onDecision(decision)
      if (isThenable(returned)) {
        returned.then(undefined, (error: unknown) => {
          logger.error(describeError(error), 'keygate: onDecision hook threw')
        })
      }
    } catch (error) {
      logger.error(describeError(error), 'keygate: onDecision hook threw')
    }
  }

  function fail(request: AuthRequest, error: unknown, strategy: string | undefined): AuthResult {
    // An unexpected error's message may quote a credential or a secret: it is neither kept as
    // the cause nor logged, only its class name and code (describeError).
    const authError = error instanceof AuthError ? error : new AuthError('internal_error')
    if (!(error instanceof AuthError)) {
      logger.error(
        { strategy, ...describeError(error) },
        'keygate: strategy threw an unexpected error',
      )
    }
    if (mode === 'shadow') {
      report(request, 'shadow-deny', { code: authError.code, strategy })
      return { ok: true, principal: undefined, reason: 'shadow' }
    }
    report(request, 'deny', { code: authError.code, strategy })
    return { ok: false, error: authError }
  }

  // The chain runs synchronously as long as every strategy answers synchronously (the hot path:
  // a fresh secret cache), and switches to promises at the first strategy that does not.
  function run(request: AuthRequest): AuthResult | Promise<AuthResult> {
    const credential = extractCredential(request, { headers, maxBytes })
    const onBehalf = request.header(ON_BEHALF_OF_HEADER).length > 0
    return step(request, credential, onBehalf, 0, 0)
  }

  function step(
    request: AuthRequest,
    credential: Credential | undefined,
    onBehalf: boolean,
    from: number,
    unsetSoFar: number,
  ): AuthResult | Promise<AuthResult> {
    const chain = onBehalf ? onBehalfChain : strategies
    let unset = unsetSoFar
    for (let i = from; i < chain.length; i++) {
      const strategy = chain[i]!
      let result: StrategyResult | Promise<StrategyResult>
      try {
        result = strategy.authenticate({ credential, request })
      } catch (error) {
        return fail(request, error, strategy.name)
      }
      // Any thenable, not only this realm's Promise: a thenable taken for a principal would let
      // the request through.
      if (isThenable(result)) {
        const count = unset
        return Promise.resolve(result).then(
          (settled) =>
            settled === undefined || settled === UNSET
              ? step(request, credential, onBehalf, i + 1, settled === UNSET ? count + 1 : count)
              : allow(request, strategy, settled, onBehalf),
          (error: unknown) => fail(request, error, strategy.name),
        )
      }
      if (result === UNSET) unset++
      else if (result !== undefined) return allow(request, strategy, result, onBehalf)
    }
    return finish(request, credential, unset)
  }

  function allow(
    request: AuthRequest,
    strategy: Strategy,
    principal: unknown,
    onBehalf: boolean,
  ): AuthResult {
    // Fail closed on a buggy strategy answering `null`, `true` or a string for a principal.
    if (!isPrincipal(principal)) {
      return fail(
        request,
        new TypeError('strategy answered with an invalid principal'),
        strategy.name,
      )
    }
    // Only a strategy that acts for the user named in X-On-Behalf-Of may accept the header;
    // beside any other credential it is refused, never ignored: a gateway that believes it
    // delegated would otherwise act as the service or the token's owner (a confused deputy).
    if (onBehalf && strategy.honoursOnBehalfOf !== true) {
      return fail(
        request,
        new InvalidRequestError({
          detail: 'X-On-Behalf-Of is accepted only with the internal token',
        }),
        strategy.name,
      )
    }
    report(request, 'allow', { strategy: strategy.name, principal })
    return { ok: true, principal, reason: 'authenticated' }
  }

  function finish(
    request: AuthRequest,
    credential: Credential | undefined,
    unset: number,
  ): AuthResult {
    if (unset === strategies.length) {
      if (devMode) {
        report(request, 'dev', { principal: DEV_PRINCIPAL })
        return { ok: true, principal: DEV_PRINCIPAL, reason: 'dev' }
      }
      if (whenUnset === 'open') {
        report(request, 'open', {})
        return { ok: true, principal: undefined, reason: 'open' }
      }
      return fail(request, new AuthNotConfiguredError(), undefined)
    }
    // RFC 6750 §3.1: no credential, or an unsupported scheme, gets a challenge without error.
    if (credential === undefined || credential.kind === 'other-scheme') {
      return fail(request, new MissingCredentialsError(), undefined)
    }
    return fail(request, new InvalidTokenError(), undefined)
  }

  const parts: Pick<Authenticator, 'realm' | 'authenticate' | 'authorize' | 'respond'> = {
    realm,
    authenticate(request) {
      const path = canonicalPath(request.path)
      // Public routes do not evaluate credentials at all.
      if (path !== undefined && publicPaths.has(path)) return PUBLIC
      try {
        return run(request)
      } catch (error) {
        return fail(request, error, undefined)
      }
    },
    authorize(result, scopes, request) {
      if (!result.ok) return result
      if (result.reason === 'open' || result.reason === 'dev' || result.reason === 'shadow')
        return result
      if (result.principal === undefined) {
        // requireScopes on a public path, or before authentication: fail closed.
        return fail(request, new MissingCredentialsError(), undefined)
      }
      const held = result.principal.scopes
      const missing = scopes.filter((scope) => !held.includes(scope))
      if (missing.length === 0) return result
      const error = new InsufficientScopeError({ scopes })
      if (mode === 'shadow') {
        report(request, 'shadow-deny', { code: error.code, principal: result.principal })
        return result
      }
      report(request, 'deny', { code: error.code, principal: result.principal })
      return { ok: false, error }
    },
    respond(error, respondOptions) {
      return createProblem(error, { realm, requestId: respondOptions?.requestId })
    },
  }
  return { ...parts, ...bindCheck(parts) }
}
