import type { SecretCache, SecretCacheOptions } from '../create-secret-cache.js'
import {
  AuthError,
  AuthUnavailableError,
  InvalidRequestError,
  InvalidTokenError,
} from '../errors.js'
import { isUUID } from '../lib/uuid.js'
import type { Principal } from '../principal.js'
import { serviceToken } from '../service-token.js'
import type { SecretSource } from '../sources/secret-source.js'
import { UNSET, type Strategy, type StrategyInput, type StrategyResult } from '../strategy.js'

/** A user as {@link internalToken} needs it. */
export type InternalTokenUser = {
  readonly id: string
  readonly disabled: boolean
  /** Every scope the user's role (and grants) allow: the most a request made for them may do. */
  readonly scopes: readonly string[]
}

/** Where {@link internalToken} looks users up (the token service's user store). */
export type InternalTokenUserStore = {
  findById(id: string): Promise<InternalTokenUser | undefined>
}

/** Options of {@link internalToken}. */
export type InternalTokenOptions = {
  /** The internal token(s) shared with the external auth backend, as for `serviceToken`. */
  source: SecretSource | SecretCache
  /**
   * `authorization` (default: `Bearer <internal token>`) or a custom header such as
   * `x-internal-token` carrying the raw token.
   */
  header?: string
  /** Names the calling service in `principal.actor` when the secret names none. Default `internal`. */
  actor?: string
  /** Looks up the user named by `X-On-Behalf-Of`. */
  users: InternalTokenUserStore
  /** Secret cache options when `source` is a plain source. */
  cache?: Omit<SecretCacheOptions, 'source'>
}

/** The `internalToken` strategy. */
export type InternalTokenStrategy = Strategy & { readonly cache: SecretCache }

/** The header naming the user a service acts for. Not a credential: read, never extracted. */
export const ON_BEHALF_OF_HEADER = 'x-on-behalf-of'

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

/**
 * The external-auth-backend strategy (SPEC §3): a trusted service presents the internal token and
 * `X-On-Behalf-Of: <user uuid>`, and the request is authenticated as that user, with `actor`
 * naming the service. The request may do only what the user's own scopes allow.
 *
 * The internal token is verified by a `serviceToken` inside (SHA-256 of both sides, every secret
 * compared in constant time, no early exit). Only then is `X-On-Behalf-Of` read: it must appear
 * exactly once and hold a UUID, and the user must exist and not be disabled.
 *
 * On `Authorization`, a bearer that is not the internal token is *not recognised* (the next
 * strategy judges it); place `internalToken` before a bearer `serviceToken`, which refuses every
 * bearer it does not hold (with `X-On-Behalf-Of` present the authenticator tries this strategy
 * first anyway, and refuses the header beside any other principal). With a custom `header`, a
 * wrong value is refused.
 *
 * @throws TypeError at creation for a bad option.
 * @throws AuthError `missing_on_behalf_of` (400) when the header is absent.
 * @throws InvalidRequestError (`invalid_request`, 400) for a repeated header or a value that is not
 *   a UUID.
 * @throws AuthError `user_not_found` (404) for an unknown user, `user_disabled` (403) for a
 *   disabled one.
 * @throws AuthError `invalid_internal_token` (401) for a wrong value in a custom `header`.
 * @throws AuthUnavailableError (`auth_unavailable`, 503) when the secret source or the user store
 *   fails.
 * @example
 * ```ts
 * const gate = createAuthenticator({
 *   strategies: [
 *     apiTokens({ store }),
 *     internalToken({ source: env('KEYGATE_INTERNAL_TOKEN'), actor: 'auth-backend', users }),
 *   ],
 * })
 * ```
 */
export function internalToken(options: InternalTokenOptions): InternalTokenStrategy {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('internalToken(): options are required')
  }
  const users = options.users
  if (users == null || typeof users.findById !== 'function') {
    throw new TypeError('internalToken(): users must have a findById(id) method')
  }
  const actor = options.actor ?? 'internal'
  if (typeof actor !== 'string' || actor === '') {
    throw new TypeError('internalToken(): actor must be a non-empty string')
  }
  if (options.source == null) throw new TypeError('internalToken(): source is required')
  const header = options.header ?? 'authorization'
  if (typeof header !== 'string' || !HEADER_NAME.test(header.toLowerCase())) {
    throw new TypeError('internalToken(): header must be a valid header name')
  }
  // Composition, not a copy: the digest comparison of every configured secret stays in one place.
  const service = serviceToken({
    source: options.source,
    header,
    subject: actor,
    cache: options.cache,
  })
  const bearer = header.toLowerCase() === 'authorization'

  // The constant-time comparison refused the credential.
  function refused(error: unknown): StrategyResult {
    if (!(error instanceof InvalidTokenError)) throw error
    // A deliberate exception to "a credential a strategy recognises but rejects is never passed
    // on" (SPEC §3): an internal token is an opaque bearer, indistinguishable in shape from a
    // service token or any other bearer, so a bearer that is not the internal token was never
    // recognised as one. Passing it on keeps the answer to a wrong bearer the one the next
    // strategy (or the chain's end) gives — the ordinary `401 invalid_token` — whether this mode
    // is on or off, so the mode cannot be probed, and API tokens and sessions keep working in
    // the same chain. A custom header, by contrast, names this credential: refused outright.
    if (bearer) return undefined
    throw new AuthError('invalid_internal_token', { detail: 'The internal token is not valid' })
  }

  async function actFor(service: Principal, input: StrategyInput): Promise<Principal> {
    const values = input.request.header(ON_BEHALF_OF_HEADER)
    if (values.length === 0) {
      throw new AuthError('missing_on_behalf_of', {
        detail: 'X-On-Behalf-Of is required with an internal token',
      })
    }
    if (values.length > 1) {
      throw new InvalidRequestError({ detail: 'More than one X-On-Behalf-Of header' })
    }
    const raw = values[0]!.trim()
    if (!isUUID(raw)) {
      throw new InvalidRequestError({ detail: 'X-On-Behalf-Of must be a user id (UUID)' })
    }
    const id = raw.toLowerCase()
    let user: InternalTokenUser | undefined
    try {
      user = await users.findById(id)
    } catch (error) {
      throw new AuthUnavailableError({ cause: error })
    }
    if (user == null) {
      throw new AuthError('user_not_found', {
        detail: 'No user with the id given in X-On-Behalf-Of',
      })
    }
    // Fail closed: anything but an explicit `false` counts as disabled.
    if (user.disabled !== false) {
      throw new AuthError('user_disabled', { detail: 'The user is disabled' })
    }
    return Object.freeze({
      kind: 'user',
      subject: id,
      scopes: Object.freeze([...user.scopes]),
      via: 'internal-token',
      actor: Object.freeze({ kind: 'service', subject: service.subject }),
    })
  }

  function settle(
    result: StrategyResult,
    input: StrategyInput,
  ): StrategyResult | Promise<StrategyResult> {
    return result === undefined || result === UNSET ? result : actFor(result, input)
  }

  return {
    name: 'internal-token',
    headers: service.headers,
    honoursOnBehalfOf: true,
    cache: service.cache,
    attach(context) {
      service.attach?.(context)
    },
    authenticate(input) {
      let result: ReturnType<typeof service.authenticate>
      try {
        result = service.authenticate(input)
      } catch (error) {
        return refused(error)
      }
      if (isThenable(result)) {
        return Promise.resolve(result).then<StrategyResult, StrategyResult>(
          (settled) => settle(settled, input),
          refused,
        )
      }
      return settle(result, input)
    },
  }
}
