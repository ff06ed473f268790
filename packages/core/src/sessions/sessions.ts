import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { AuthUnavailableError, InvalidTokenError } from '../errors.js'
import { isUUID } from '../lib/uuid.js'
import { describeError, silentLogger, type Logger } from '../logger.js'
import type { Principal } from '../principal.js'
import type { Strategy, StrategyInput } from '../strategy.js'
import {
  DEFAULT_SESSION_ALGORITHMS,
  isSessionAlgorithm,
  SESSION_TYP,
  type SessionAlgorithm,
} from './session-algorithms.js'
import { checkHeader, isCompactJWS } from './lib/check-header.js'
import { COOKIE_NAME, readCookie } from './lib/read-cookie.js'
import {
  KeySourceUnavailableError,
  localKeyResolver,
  remoteKeyResolver,
  type SessionJWKSOptions,
  type SessionKey,
} from './lib/resolve-key.js'

/** Options of {@link sessions}. Exactly one of `keys` and `jwks`. */
export type SessionsOptions = {
  /** A fixed set of public keys, each with a `kid`. */
  keys?: readonly SessionKey[]
  /** A remote JWKS (the token service's `/.well-known/jwks.json`), cached. */
  jwks?: SessionJWKSOptions
  /** Required `iss`. */
  issuer: string
  /** Required `aud` (the token's `aud` must be, or contain, this value). */
  audience: string
  /** Allowed `alg` values; asymmetric only. Default `['EdDSA', 'ES256']`. */
  algorithms?: readonly SessionAlgorithm[]
  /** Required `typ` header. Default `keygate-session+jwt`. */
  typ?: string
  /** Leeway for `exp` and `nbf`, in seconds: an integer from 0 to 300. Default 30. */
  clockToleranceSec?: number
  /**
   * Also read the session from this cookie, when the request carries no other credential. The
   * strategy does not protect against CSRF: routes that accept a cookie session for unsafe
   * methods must check an anti-CSRF token or `Origin` themselves.
   */
  cookie?: string
  /** Longest token accepted, checked before any decoding. Default 4096 bytes. */
  maxTokenBytes?: number
  /**
   * Denylist hook (logout, a disabled user): `true` refuses the session. When set, tokens without
   * a `jti` are refused. A throw or rejection is `503 auth_unavailable`.
   */
  isRevoked?: (jti: string) => boolean | Promise<boolean>
}

/** The `sessions` strategy. */
export type SessionsStrategy = Omit<Strategy, 'authenticate'> & {
  /** Answers `undefined` synchronously for a credential that is not a session. */
  authenticate(input: StrategyInput): Principal | undefined | Promise<Principal | undefined>
}

const MAX_CLOCK_TOLERANCE_SEC = 300
const DEFAULT_MAX_TOKEN_BYTES = 4096

function nonEmpty(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`sessions(): ${name} must be a non-empty string`)
  }
  return value
}

const CLAIM_DETAIL: Readonly<Record<string, string>> = {
  exp: 'The session has no valid expiry',
  nbf: 'The session is not valid yet',
  iat: 'The session was issued in the future',
  iss: 'The session was issued by another issuer',
  aud: 'The session is meant for another audience',
  sub: 'The session names no user',
  typ: 'The token is not a session',
}

/**
 * A fixed, safe detail for a verification failure. jose's own messages and properties (the
 * claims set, the token) are never passed on, nor kept as the cause.
 */
function refusal(error: unknown): InvalidTokenError {
  let detail = 'The session is not valid'
  if (error instanceof errors.JWTExpired) detail = 'The session has expired'
  else if (error instanceof errors.JWTClaimValidationFailed) {
    detail = CLAIM_DETAIL[error.claim] ?? 'A claim of the session is not valid'
  } else if (error instanceof errors.JWSSignatureVerificationFailed) {
    detail = 'The signature is not valid'
  } else if (error instanceof errors.JWKSNoMatchingKey) detail = 'No key matches the token'
  else if (error instanceof errors.JWKSMultipleMatchingKeys) {
    detail = 'More than one key matches the token'
  } else if (error instanceof errors.JOSEAlgNotAllowed) {
    detail = 'The token algorithm is not allowed'
  } else if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    detail = 'The token is malformed'
  }
  return new InvalidTokenError({ detail })
}

function parseScope(value: unknown): readonly string[] {
  if (value === undefined) return Object.freeze([])
  if (typeof value !== 'string') {
    throw new InvalidTokenError({ detail: 'The session scope is not valid' })
  }
  // RFC 6749 §3.3: space-delimited scope tokens.
  return Object.freeze(value.split(' ').filter((scope) => scope !== ''))
}

/**
 * Signed sessions (SPEC §3): JWTs that keygate's token service issues (see
 * {@link createSessionSigner}), verified locally with `jose` by any TypeScript service.
 *
 * Recognises only `Authorization: Bearer` values shaped as a JWS compact serialisation (three
 * base64url segments), so it sits in one chain with `apiTokens` and `serviceToken`: any other
 * credential is passed on. With `cookie`, a request carrying no credential at all is also read
 * from that cookie. A recognised token is then checked, in this order, each failure being
 * `401 invalid_token` with a safe detail (never the token): size; protected header (no `jku`,
 * `jwk`, `x5u`, `x5c` or `crit` — nothing derived from the token is ever fetched; `alg` on the
 * allow-list; `kid` of 1–128 `[A-Za-z0-9._-]`); signature with the key of that `kid`; `typ`,
 * `iss`, `aud`, `exp` (required) and `nbf` with bounded leeway; `sub` a UUID; the denylist.
 *
 * @throws TypeError at creation for a bad option.
 * @throws InvalidTokenError (`invalid_token`, 401) for a JWT-shaped credential that fails any check.
 * @throws InvalidRequestError (`invalid_request`, 400) for two session cookies.
 * @throws AuthUnavailableError (`auth_unavailable`, 503) when the JWKS cannot be fetched or
 *   `isRevoked` fails.
 * @example
 * ```ts
 * const session = sessions({
 *   jwks: { url: 'https://auth.example.com/.well-known/jwks.json' },
 *   issuer: 'https://auth.example.com',
 *   audience: 'https://api.example.com',
 * })
 * const gate = createAuthenticator({ strategies: [apiTokens({ store }), session, serviceToken({ source })] })
 * ```
 */
export function sessions(options: SessionsOptions): SessionsStrategy {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('sessions(): options are required')
  }
  if ((options.keys === undefined) === (options.jwks === undefined)) {
    throw new TypeError('sessions(): give exactly one of keys and jwks')
  }
  const getKey: JWTVerifyGetKey =
    options.keys !== undefined
      ? localKeyResolver(options.keys)
      : remoteKeyResolver(options.jwks as SessionJWKSOptions)
  const issuer = nonEmpty(options.issuer, 'issuer')
  const audience = nonEmpty(options.audience, 'audience')
  const typ = nonEmpty(options.typ ?? SESSION_TYP, 'typ')
  const algorithms = [...(options.algorithms ?? DEFAULT_SESSION_ALGORITHMS)]
  if (algorithms.length === 0 || !algorithms.every(isSessionAlgorithm)) {
    throw new TypeError(
      'sessions(): algorithms must be a non-empty list of asymmetric JWS algorithms (no HS*, no none)',
    )
  }
  const allowed: ReadonlySet<string> = new Set(algorithms)
  const clockTolerance = options.clockToleranceSec ?? 30
  if (
    !Number.isInteger(clockTolerance) ||
    clockTolerance < 0 ||
    clockTolerance > MAX_CLOCK_TOLERANCE_SEC
  ) {
    throw new TypeError(
      `sessions(): clockToleranceSec must be an integer from 0 to ${MAX_CLOCK_TOLERANCE_SEC}`,
    )
  }
  const cookie = options.cookie
  if (cookie !== undefined && (typeof cookie !== 'string' || !COOKIE_NAME.test(cookie))) {
    throw new TypeError('sessions(): cookie must be a valid cookie name')
  }
  const maxTokenBytes = options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES
  if (!Number.isInteger(maxTokenBytes) || maxTokenBytes < 64) {
    throw new TypeError('sessions(): maxTokenBytes must be an integer ≥ 64')
  }
  const isRevoked = options.isRevoked
  if (isRevoked !== undefined && typeof isRevoked !== 'function') {
    throw new TypeError('sessions(): isRevoked must be a function')
  }
  const verifyOptions = {
    algorithms,
    issuer,
    audience,
    typ,
    clockTolerance,
    requiredClaims: ['exp', 'sub'],
  }
  let logger: Logger = silentLogger

  // The token when the request carries one for this strategy; `undefined` when it is not ours.
  function presented({ credential, request }: StrategyInput): string | undefined {
    if (credential !== undefined) {
      if (credential.kind !== 'bearer') return undefined
      // Shape alone decides recognition: an API token or a service secret has no dots.
      return isCompactJWS(credential.token) ? credential.token : undefined
    }
    if (cookie === undefined) return undefined
    const value = readCookie(request.header('cookie'), cookie)
    return value === '' ? undefined : value
  }

  async function verify(token: string): Promise<JWTPayload> {
    if (token.length > maxTokenBytes) {
      throw new InvalidTokenError({ detail: 'The token is too large' })
    }
    if (!isCompactJWS(token)) throw new InvalidTokenError({ detail: 'The token is malformed' })
    checkHeader(token, allowed)
    try {
      const { payload } = await jwtVerify(token, getKey, verifyOptions)
      return payload
    } catch (error) {
      if (error instanceof KeySourceUnavailableError) {
        // Logged once per failed fetch, not for the requests answered at once after it.
        if (error.cause !== undefined) {
          logger.warn(
            { strategy: 'session', ...describeError(error.cause) },
            'keygate: session keys unavailable',
          )
        }
        throw new AuthUnavailableError({
          detail: 'Session keys are temporarily unavailable',
          retryAfterSeconds: error.retryAfterSeconds,
        })
      }
      throw refusal(error)
    }
  }

  async function revoked(jti: string): Promise<boolean> {
    try {
      return (await isRevoked!(jti)) === true
    } catch (error) {
      logger.warn(
        { strategy: 'session', ...describeError(error) },
        'keygate: session denylist check failed',
      )
      throw new AuthUnavailableError({ detail: 'Session revocation cannot be checked' })
    }
  }

  async function authenticateSession(token: string): Promise<Principal> {
    const payload = await verify(token)
    if (!isUUID(payload.sub)) {
      throw new InvalidTokenError({ detail: 'The session subject is not a user id' })
    }
    const scopes = parseScope(payload.scope)
    const jti = payload.jti
    if (jti !== undefined && (typeof jti !== 'string' || jti === '')) {
      throw new InvalidTokenError({ detail: 'The session id is not valid' })
    }
    if (isRevoked !== undefined) {
      if (jti === undefined) throw new InvalidTokenError({ detail: 'The session has no id' })
      if (await revoked(jti))
        throw new InvalidTokenError({ detail: 'The session has been revoked' })
    }
    const principal: Principal = {
      kind: 'user',
      subject: payload.sub.toLowerCase(),
      scopes,
      via: 'session',
      ...(jti === undefined ? {} : { tokenId: jti }),
      // `exp` is required and checked to be a number by jwtVerify.
      expiresAt: new Date((payload.exp as number) * 1000),
    }
    return Object.freeze(principal)
  }

  return {
    name: 'session',
    headers: [],
    attach(context) {
      logger = context.logger
    },
    authenticate(input) {
      // Not ours: answered synchronously, so a chain stays on its synchronous fast path for the
      // strategies after this one.
      let token: string | undefined
      try {
        token = presented(input)
      } catch (error) {
        // Two session cookies (InvalidRequestError): a refusal is a rejection, like the others.
        return Promise.reject(error instanceof Error ? error : new Error('unexpected throw'))
      }
      return token === undefined ? undefined : authenticateSession(token)
    },
  }
}
