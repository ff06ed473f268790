import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { AuthUnavailableError, InvalidRequestError, InvalidTokenError } from '../errors.js'
import { isUUID } from '../lib/uuid.js'
import { describeError, silentLogger, type Logger } from '../logger.js'
import type { Principal } from '../principal.js'
import type { Strategy, StrategyInput } from '../strategy.js'
import { checkHeader, isCompactJWS } from '../sessions/lib/check-header.js'
import {
  KeySourceUnavailableError,
  localKeyResolver,
  remoteKeyResolver,
  type SessionJWKSOptions,
  type SessionKey,
} from '../sessions/lib/resolve-key.js'
import {
  DEFAULT_SESSION_ALGORITHMS,
  isSessionAlgorithm,
  type SessionAlgorithm,
} from '../sessions/session-algorithms.js'
import { ASSERTION_HEADER, ASSERTION_TYP, MAX_ASSERTION_TTL_SEC } from './assertion-format.js'

/**
 * Options of {@link gatewayAssertion}. `issuer` and `audience` are required. Keys come from
 * exactly one of `keys` and `jwks`, or, when neither is given, from
 * `<issuer>/.well-known/jwks.json`.
 */
export type GatewayAssertionOptions = {
  /** The `aud` this upstream requires: its own origin, or the audience the gateway is told. */
  audience: string
  /**
   * The `iss` every assertion must carry: the token service's `sessions.issuer`. Required, so
   * that keys shared with anything else that signs (another deployment, a test instance) never
   * make its tokens acceptable here. When it is an `https:` URL (or `http:` on loopback) and
   * neither `keys` nor `jwks` is given, the JWKS is fetched from `/.well-known/jwks.json` under it.
   */
  issuer: string
  /** A remote JWKS, cached, refetched on an unknown `kid` at most once per `cooldownMs`. */
  jwks?: SessionJWKSOptions
  /** A fixed set of public keys, each with a `kid`. */
  keys?: readonly SessionKey[]
  /** Allowed `alg` values; asymmetric only. Default `['EdDSA', 'ES256']`. */
  algorithms?: readonly SessionAlgorithm[]
  /** Leeway for `exp`, `nbf` and `iat`, in seconds: an integer from 0 to 30. Default 5. */
  clockToleranceSec?: number
  /** Longest assertion accepted, checked before any decoding. Default 4096 bytes. */
  maxTokenBytes?: number
}

const MAX_CLOCK_TOLERANCE_SEC = 30
const DEFAULT_MAX_TOKEN_BYTES = 4096
const NAME = 'gatewayAssertion()'

const CLAIM_DETAIL: Readonly<Record<string, string>> = {
  exp: 'The assertion has no valid expiry',
  nbf: 'The assertion is not valid yet',
  iat: 'The assertion has no valid issue time',
  iss: 'The assertion was issued by another issuer',
  aud: 'The assertion is meant for another audience',
  sub: 'The assertion names no user',
  jti: 'The assertion has no id',
  typ: 'The token is not a gateway assertion',
}

/** A fixed detail for a failure; jose's messages (which may quote claims) are never passed on. */
function refusal(error: unknown): InvalidTokenError {
  let detail = 'The assertion is not valid'
  if (error instanceof errors.JWTExpired) detail = 'The assertion has expired'
  else if (error instanceof errors.JWTClaimValidationFailed) {
    detail = CLAIM_DETAIL[error.claim] ?? 'A claim of the assertion is not valid'
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

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

function jwksOfIssuer(issuer: string): SessionJWKSOptions {
  let url: URL
  try {
    url = new URL(issuer)
  } catch {
    throw new TypeError(`${NAME}: give keys or jwks, or an issuer that is an https: URL`)
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname))) {
    throw new TypeError(`${NAME}: give keys or jwks, or an issuer that is an https: URL`)
  }
  const base = url.href.endsWith('/') ? url.href : `${url.href}/`
  return { url: new URL('.well-known/jwks.json', base) }
}

function parseScope(value: unknown): readonly string[] {
  if (value === undefined) return Object.freeze([])
  if (typeof value !== 'string') {
    throw new InvalidTokenError({ detail: 'The assertion scope is not valid' })
  }
  // RFC 6749 §3.3: space-delimited scope tokens.
  return Object.freeze(value.split(' ').filter((scope) => scope !== ''))
}

/**
 * Gateway assertions (SPEC §3, §8): the signed, audience-bound, short-lived JWT that
 * `keygate proxy` (or `GET /v1/auth/check` behind nginx, Traefik or Envoy) adds to a request it
 * has authenticated, in the `Keygate-Assertion` header. An upstream that trusts the gateway
 * verifies it locally with the token service's public keys.
 *
 * Recognises every request that carries a `Keygate-Assertion` header, whatever else it carries
 * (the gateway also sends its service token, and may pass `Authorization` on): put it first in
 * the chain. Then, each failure `401 invalid_token` with a fixed detail: JWS shape; protected
 * header (`alg` on the allow-list, never `none` or `HS*`; a plain `kid`; no `jku`/`jwk`/`x5u`/
 * `x5c`/`crit`); signature with the key of that `kid`; `typ` `keygate-assertion+jwt`; `aud`
 * (required); `iss` (required, equal to `issuer`); `exp`, `iat`, `jti` and `sub` (a UUID) required; `exp`
 * at most 60 s after `iat`; leeway bounded to 30 s.
 *
 * @throws TypeError at creation for a bad option.
 * @throws InvalidRequestError (`invalid_request`, 400) for two `Keygate-Assertion` headers or one
 *   over `maxTokenBytes`.
 * @throws InvalidTokenError (`invalid_token`, 401) for an assertion that fails any check.
 * @throws AuthUnavailableError (`auth_unavailable`, 503) when the JWKS cannot be fetched.
 * @example
 * ```ts
 * const gate = createAuthenticator({
 *   strategies: [gatewayAssertion({ issuer: 'https://auth.example.com', audience: 'https://api.internal' })],
 * })
 * ```
 */
export function gatewayAssertion(options: GatewayAssertionOptions): Strategy {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${NAME}: options are required`)
  }
  if (options.keys !== undefined && options.jwks !== undefined) {
    throw new TypeError(`${NAME}: give at most one of keys and jwks`)
  }
  if (typeof options.audience !== 'string' || options.audience === '') {
    throw new TypeError(`${NAME}: audience must be a non-empty string`)
  }
  const audience = options.audience
  const issuer: unknown = options.issuer
  if (typeof issuer !== 'string' || issuer === '') {
    throw new TypeError(
      `${NAME}: issuer is required: the iss of the assertions (the token service's sessions.issuer)`,
    )
  }
  let getKey: JWTVerifyGetKey
  if (options.keys !== undefined) getKey = localKeyResolver(options.keys, NAME)
  else if (options.jwks !== undefined) getKey = remoteKeyResolver(options.jwks, NAME)
  else getKey = remoteKeyResolver(jwksOfIssuer(issuer), NAME)
  const algorithms = [...(options.algorithms ?? DEFAULT_SESSION_ALGORITHMS)]
  if (algorithms.length === 0 || !algorithms.every(isSessionAlgorithm)) {
    throw new TypeError(
      `${NAME}: algorithms must be a non-empty list of asymmetric JWS algorithms (no HS*, no none)`,
    )
  }
  const allowed: ReadonlySet<string> = new Set(algorithms)
  const clockTolerance = options.clockToleranceSec ?? 5
  if (
    !Number.isInteger(clockTolerance) ||
    clockTolerance < 0 ||
    clockTolerance > MAX_CLOCK_TOLERANCE_SEC
  ) {
    throw new TypeError(
      `${NAME}: clockToleranceSec must be an integer from 0 to ${MAX_CLOCK_TOLERANCE_SEC}`,
    )
  }
  const maxTokenBytes = options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES
  if (!Number.isInteger(maxTokenBytes) || maxTokenBytes < 64) {
    throw new TypeError(`${NAME}: maxTokenBytes must be an integer ≥ 64`)
  }
  const verifyOptions = {
    algorithms,
    audience,
    typ: ASSERTION_TYP,
    clockTolerance,
    // `iat` must be present and not in the future; the lifetime bound is checked below.
    maxTokenAge: MAX_ASSERTION_TTL_SEC,
    requiredClaims: ['iss', 'exp', 'iat', 'jti', 'sub'],
    issuer,
  }
  let logger: Logger = silentLogger

  async function verify(token: string): Promise<JWTPayload> {
    if (!isCompactJWS(token)) throw new InvalidTokenError({ detail: 'The token is malformed' })
    checkHeader(token, allowed)
    try {
      const { payload } = await jwtVerify(token, getKey, verifyOptions)
      return payload
    } catch (error) {
      if (error instanceof KeySourceUnavailableError) {
        if (error.cause !== undefined) {
          logger.warn(
            { strategy: 'gateway-assertion', ...describeError(error.cause) },
            'keygate: gateway assertion keys unavailable',
          )
        }
        throw new AuthUnavailableError({
          detail: 'Gateway assertion keys are temporarily unavailable',
          retryAfterSeconds: error.retryAfterSeconds,
        })
      }
      throw refusal(error)
    }
  }

  async function authenticateAssertion(token: string): Promise<Principal> {
    const payload = await verify(token)
    // Checked to be numbers by jwtVerify (requiredClaims).
    const exp = payload.exp as number
    const iat = payload.iat as number
    if (exp - iat > MAX_ASSERTION_TTL_SEC) {
      throw new InvalidTokenError({ detail: 'The assertion lives longer than 60 seconds' })
    }
    if (!isUUID(payload.sub)) {
      throw new InvalidTokenError({ detail: 'The assertion subject is not a user id' })
    }
    if (typeof payload.jti !== 'string' || payload.jti === '') {
      throw new InvalidTokenError({ detail: 'The assertion id is not valid' })
    }
    const tokenId = payload.token_id
    if (tokenId !== undefined && (typeof tokenId !== 'string' || tokenId === '')) {
      throw new InvalidTokenError({ detail: 'The assertion token id is not valid' })
    }
    const principal: Principal = {
      kind: 'user',
      subject: payload.sub.toLowerCase(),
      scopes: parseScope(payload.scope),
      via: 'gateway-assertion',
      ...(tokenId === undefined ? {} : { tokenId }),
      expiresAt: new Date(exp * 1000),
    }
    return Object.freeze(principal)
  }

  function presented({ request }: StrategyInput): string | undefined {
    const values = request.header(ASSERTION_HEADER)
    if (values.length === 0) return undefined
    // A JWS never holds a comma: one is two headers that Headers (or a proxy) joined with ", ".
    if (values.length > 1 || values[0]!.includes(',')) {
      throw new InvalidRequestError({ detail: 'More than one Keygate-Assertion header' })
    }
    const token = values[0]!
    if (token.length > maxTokenBytes) {
      throw new InvalidRequestError({ detail: 'The Keygate-Assertion header is too large' })
    }
    return token
  }

  return {
    name: 'gateway-assertion',
    // Not declared as a credential header: the assertion travels with the gateway's own service
    // token (and maybe `Authorization`), which must not make the request "two credentials".
    headers: [],
    attach(context) {
      logger = context.logger
    },
    authenticate(input) {
      // No assertion: answered synchronously, so the chain stays on its synchronous fast path.
      const token = presented(input)
      return token === undefined ? undefined : authenticateAssertion(token)
    },
  }
}
