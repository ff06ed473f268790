import {
  AuthError,
  AuthUnavailableError,
  describeError,
  InvalidRequestError,
  InvalidTokenError,
  ON_BEHALF_OF_HEADER,
  sessions,
  silentLogger,
  type Logger,
  type Principal,
  type SessionsStrategy,
  type Strategy,
  type StrategyInput,
} from '@keygate/core'
import type { OriginCheck } from './check-origin.js'
import type { SessionRegistry } from './session-registry.js'
import type { PublicJWK, SigningKeyring } from './signing-keyring.js'

/** Options of {@link createSessionStrategy}. */
export type SessionStrategyOptions = {
  keyring: Pick<SigningKeyring, 'publicKeys'>
  registry: Pick<SessionRegistry, 'check'>
  issuer: string
  audience: string
  /** The session cookie read when a request carries no other credential. */
  cookieName: string
  /** Applied to cookie-authenticated requests with an unsafe method. */
  origin: Pick<OriginCheck, 'require'>
  /** Whether `role` may hold `scope` now (the scope policy). */
  grants: (role: string, scope: string) => boolean
}

// RFC 9110 §9.2.1: every other method may change state.
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * The token service's `sessions` strategy: core's `sessions()` over the keyring's current public
 * keys, plus what only the issuer can check.
 *
 * 1. Core verifies the JWT (pinned algorithms, `typ`, `iss`, `aud`, `exp`, `kid`, `sub`).
 * 2. A session read from the cookie, on an unsafe method, must come from an allowed origin
 *    (`403 csrf_failed`); a session presented as `Authorization: Bearer` is not subject to CSRF.
 * 3. The session must still be live in the registry: not logged out, its user not disabled
 *    (`401 invalid_token`).
 * 4. Its scopes are narrowed to what the user's role grants now, so a demotion applies at once.
 *
 * Credentials that are not JWT-shaped are not recognised (answered synchronously), so the
 * strategy sits between `apiTokens` and `internalToken` in one chain.
 *
 * @example
 * ```ts
 * const strategy = createSessionStrategy({ keyring, registry, issuer, audience, cookieName, origin, grants })
 * ```
 */
export function createSessionStrategy(options: SessionStrategyOptions): Strategy {
  const { keyring, registry, issuer, audience, cookieName, origin, grants } = options
  let logger: Logger = silentLogger
  let built: { keys: readonly PublicJWK[]; inner: SessionsStrategy } | undefined

  function current(): SessionsStrategy | undefined {
    const keys = keyring.publicKeys()
    if (keys.length === 0) return undefined
    if (built === undefined || built.keys !== keys) {
      const inner = sessions({
        keys,
        issuer,
        audience,
        algorithms: ['EdDSA', 'ES256'],
        cookie: cookieName,
      })
      inner.attach?.({ logger })
      built = { keys, inner }
    }
    return built.inner
  }

  async function live(principal: Principal, input: StrategyInput): Promise<Principal> {
    if (input.credential === undefined && !SAFE_METHODS.has(input.request.method.toUpperCase())) {
      origin.require(input.request)
    }
    const jti = principal.tokenId
    if (jti === undefined) throw new InvalidTokenError({ detail: 'The session has no id' })
    let state
    try {
      state = await registry.check(jti)
    } catch (error) {
      if (error instanceof AuthError) throw error
      logger.warn({ strategy: 'session', ...describeError(error) }, 'session lookup failed')
      throw new AuthUnavailableError({ detail: 'The session cannot be checked' })
    }
    if (state === undefined || state.userId !== principal.subject) {
      throw new InvalidTokenError({ detail: 'The session has ended' })
    }
    return Object.freeze({
      ...principal,
      scopes: Object.freeze(principal.scopes.filter((scope) => grants(state.role, scope))),
    })
  }

  return {
    name: 'session',
    headers: [],
    attach(context) {
      logger = context.logger
      built?.inner.attach?.(context)
    },
    authenticate(input) {
      const inner = current()
      if (inner === undefined) return undefined
      const result = inner.authenticate(input)
      if (result === undefined) return undefined
      // A session acts for its user only: a delegation header beside it is refused, never
      // ignored (only the internal token acts on behalf of someone, SPEC §3).
      if (input.request.header(ON_BEHALF_OF_HEADER).length > 0) {
        Promise.resolve(result).catch(() => {})
        return Promise.reject(
          new InvalidRequestError({
            detail: 'X-On-Behalf-Of is accepted only with the internal token',
          }),
        )
      }
      return Promise.resolve(result).then((principal) =>
        principal === undefined ? undefined : live(principal, input),
      )
    },
  }
}
