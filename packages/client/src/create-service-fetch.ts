import {
  AuthError,
  AuthNotConfiguredError,
  AuthUnavailableError,
  createSecretCache,
  describeError,
  SecretSourceError,
  silentLogger,
  staticSecrets,
  type CachedSecret,
  type Logger,
  type SecretCache,
  type SecretCacheOptions,
  type SecretSource,
} from '@keygate/core'
import { isSendableSecret } from './lib/header-value.js'
import { isInvalidToken } from './lib/is-invalid-token.js'
import { isReplayableBody } from './lib/replayable-body.js'
import { selectSecret } from './lib/select-secret.js'

/** `RequestInit` plus what a trusted service may add to one call. */
export type ServiceRequestInit = RequestInit & {
  /** Sends `X-On-Behalf-Of: <uuid>`: the user this service acts for (SPEC §3, `internalToken`). */
  onBehalfOf?: string | undefined
}

/** The function {@link createServiceFetch} returns: `fetch`'s signature, plus its secret cache. */
export type ServiceFetch = ((
  input: RequestInfo | URL,
  init?: ServiceRequestInit,
) => Promise<Response>) & {
  readonly cache: SecretCache
}

/** Options of {@link createServiceFetch}. Exactly one of `source` and `secret` is required. */
export type ServiceFetchOptions = {
  /** Where the service token comes from: the same sources (or cache) as the server side. */
  source?: SecretSource | SecretCache | undefined
  /** A literal service token, when your code already holds it. */
  secret?: string | undefined
  /**
   * `authorization` (the default: `Authorization: Bearer <secret>`) or a custom header such as
   * `x-service-token` (the raw secret), as the server's `serviceToken({ header })` expects.
   */
  header?: string | undefined
  /**
   * Origins the token may be sent to (`https://api.internal:8443`). Strongly recommended: a URL
   * on any other origin, or a redirect to one, is refused with a `TypeError` before anything is
   * sent. Without `origins` and `baseUrl`, any origin is allowed.
   */
  origins?: readonly string[] | undefined
  /** Base for relative URLs (resolved like `new URL(input, baseUrl)`); its origin is allowed. */
  baseUrl?: string | URL | undefined
  /** The `fetch` to call. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch | undefined
  /** Cache options when `source` is a plain source. */
  cache?: Omit<SecretCacheOptions, 'source'> | undefined
  /**
   * On `401 invalid_token`, refresh the secret and retry once (see {@link createServiceFetch}).
   * Default true.
   */
  retryOnInvalidToken?: boolean | undefined
  /**
   * Least time between two reloads of the source caused by a `401`, in ms: a server that keeps
   * refusing (a misconfiguration, a secret revoked everywhere) must not turn every request into a
   * call to the secrets manager. Within it a `401` is returned without reloading (the secret the
   * cache holds is still tried when it changed). Default 5000; 0 reloads on every `401`.
   */
  minRefreshIntervalMs?: number | undefined
  /** Gets retries and source failures; never a secret. */
  logger?: Logger | undefined
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ON_BEHALF_OF = 'x-on-behalf-of'
const REDIRECTS = new Set([301, 302, 303, 307, 308])
const MAX_REDIRECTS = 20
// Fetch §4.4 step 12: headers dropped when a redirect turns the request into a body-less GET.
const BODY_HEADERS = [
  'content-encoding',
  'content-language',
  'content-location',
  'content-type',
  'content-length',
]

function fail(message: string): never {
  throw new TypeError(`createServiceFetch(): ${message}`)
}

function isCache(value: SecretSource | SecretCache): value is SecretCache {
  return typeof (value as SecretCache).get === 'function'
}

function parseOrigin(value: unknown, option: string): string {
  let url: URL
  try {
    url = new URL(value instanceof URL ? value.href : String(value))
  } catch {
    fail(`${option} must be an absolute http(s) URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    fail(`${option} must be an http(s) URL`)
  if (url.username !== '' || url.password !== '') fail(`${option} must not contain credentials`)
  return url.origin
}

// Only errors whose message keygate wrote (and knows to be safe) travel as a cause.
function safeCause(error: unknown): unknown {
  const inner = error instanceof AuthError ? error.cause : error
  return (inner as { safeMessage?: unknown } | null)?.safeMessage === true ? inner : undefined
}

/**
 * Creates a `fetch` for trusted services: it attaches the service token read from a
 * {@link SecretSource} (through the same cache as the server side), adds `X-On-Behalf-Of` when
 * asked, and follows a rotation.
 *
 * - Sends the secret labelled `current`, else the first one.
 * - On a `401` whose challenge (or problem `code`) is `invalid_token` it retries **once**, and
 *   only when (1) the request body can be sent again (none, a string, bytes, `URLSearchParams`,
 *   `Blob`, `FormData`; never a stream or a `Request` with a body), and (2) the secret to send
 *   has changed: first from the cache as it is, else after `cache.refresh()` — at most one
 *   reload per `minRefreshIntervalMs` (5 s). Otherwise, and after the one retry, the `401` is
 *   returned as is: never a loop, never a reload storm.
 * - Never sends the token to an origin outside `origins`/`baseUrl` (when set), nor follows a
 *   redirect out of them (or, when neither is set, out of the request's own origin).
 * - Never overwrites a credential header the caller set: that is a `TypeError`.
 * - Never logs the secret; its errors never carry it.
 *
 * @throws TypeError at creation for a bad option; per call for a disallowed origin or redirect, a
 *   caller-set credential header, or an `onBehalfOf` that is not a UUID.
 * @throws AuthUnavailableError (`auth_unavailable`) per call when the source fails and nothing
 *   within `maxStale` is held; AuthNotConfiguredError (`auth_not_configured`) when it is empty.
 * @example
 * ```ts
 * const api = createServiceFetch({
 *   source: env('KEYGATE_SERVICE_TOKEN'),
 *   origins: ['https://things.internal'],
 * })
 * const res = await api('https://things.internal/v1/things', { onBehalfOf: userId })
 * ```
 */
export function createServiceFetch(options: ServiceFetchOptions): ServiceFetch {
  if (options === null || typeof options !== 'object') fail('options are required')
  if ((options.source === undefined) === (options.secret === undefined)) {
    fail('pass exactly one of source and secret')
  }
  if (
    options.secret !== undefined &&
    (typeof options.secret !== 'string' || options.secret === '')
  ) {
    fail('secret must be a non-empty string')
  }
  const source = options.source ?? staticSecrets([options.secret!])
  if (
    source === null ||
    typeof source !== 'object' ||
    (!isCache(source) && typeof source.load !== 'function')
  ) {
    fail('source must be a SecretSource or a SecretCache')
  }
  const header = (options.header ?? 'authorization').toLowerCase()
  if (!HEADER_NAME.test(header) || header === ON_BEHALF_OF)
    fail('header must be a valid header name')
  const bearer = header === 'authorization'
  const allowed = new Set<string>()
  if (options.origins !== undefined) {
    if (!Array.isArray(options.origins) || options.origins.length === 0) {
      fail('origins must be a non-empty list of origins')
    }
    for (const origin of options.origins) allowed.add(parseOrigin(origin, 'origins entry'))
  }
  let baseUrl: URL | undefined
  if (options.baseUrl !== undefined) {
    const origin = parseOrigin(options.baseUrl, 'baseUrl')
    baseUrl = new URL(options.baseUrl)
    allowed.add(origin)
  }
  const fetchImpl = options.fetch ?? globalThis.fetch
  if (typeof fetchImpl !== 'function') fail('fetch must be a function')
  const logger = options.logger ?? silentLogger
  const retryEnabled = options.retryOnInvalidToken ?? true
  const minRefreshIntervalMs = options.minRefreshIntervalMs ?? 5000
  if (
    typeof minRefreshIntervalMs !== 'number' ||
    !Number.isFinite(minRefreshIntervalMs) ||
    minRefreshIntervalMs < 0
  ) {
    fail('minRefreshIntervalMs must be a finite number >= 0')
  }
  let lastRefreshAt = -Infinity
  const cache = isCache(source) ? source : createSecretCache({ logger, ...options.cache, source })
  if (allowed.size === 0) {
    logger.warn(
      { source: cache.source.name },
      'keygate: createServiceFetch() has no origins: the service token may be sent to any URL it is given',
    )
  }

  function mayReceiveToken(url: URL, firstOrigin: string): boolean {
    return allowed.size === 0 ? url.origin === firstOrigin : allowed.has(url.origin)
  }

  async function currentSecret(): Promise<CachedSecret> {
    let secrets: readonly CachedSecret[]
    try {
      ;({ secrets } = await cache.get())
    } catch (error) {
      throw new AuthUnavailableError({
        detail: `The service token source ${cache.source.name} is unavailable`,
        cause: safeCause(error),
      })
    }
    const secret = selectSecret(secrets)
    if (secret === undefined) {
      throw new AuthNotConfiguredError({
        detail: `No service token is configured (${cache.source.name} is empty)`,
      })
    }
    if (!isSendableSecret(secret.value, bearer)) {
      throw new SecretSourceError(
        'unsendable_secret',
        `the service token from ${cache.source.name} holds characters the ${header} header cannot carry`,
      )
    }
    return secret
  }

  // After a refusal: the secret to try instead, or undefined when there is none (no loop).
  async function replacementFor(
    refused: CachedSecret,
    origin: string,
  ): Promise<CachedSecret | undefined> {
    try {
      let next = await currentSecret()
      // Another request may already have refreshed the cache: no need to load again.
      if (next.value !== refused.value) return next
      const at = Date.now()
      if (at - lastRefreshAt < minRefreshIntervalMs) {
        logger.debug?.(
          { source: cache.source.name, origin },
          'keygate: service token refused; the source was reloaded moments ago; returning the 401',
        )
        return undefined
      }
      lastRefreshAt = at
      await cache.refresh()
      next = await currentSecret()
      if (next.value !== refused.value) return next
      logger.warn(
        { source: cache.source.name, origin },
        'keygate: service token refused (invalid_token) and the source has no other; returning the 401',
      )
      return undefined
    } catch (error) {
      logger.warn(
        { source: cache.source.name, origin, ...describeError(error) },
        'keygate: service token refused and the source could not be refreshed',
      )
      return undefined
    }
  }

  const serviceFetch = async (
    input: RequestInfo | URL,
    init?: ServiceRequestInit,
  ): Promise<Response> => {
    const { onBehalfOf, ...rest } = init ?? {}
    const request = input instanceof Request ? input : undefined
    let url: URL
    if (request !== undefined) url = new URL(request.url)
    else if (input instanceof URL) url = new URL(input.href)
    else if (typeof input === 'string')
      url = baseUrl === undefined ? new URL(input) : new URL(input, baseUrl)
    else fail('input must be a URL string, a URL or a Request')
    const firstOrigin = url.origin
    if (allowed.size > 0 && !allowed.has(url.origin)) {
      fail(`refusing to send the service token to ${url.origin}: it is not in origins`)
    }

    const headers = new Headers(rest.headers ?? request?.headers)
    if (headers.has(header)) {
      fail(`the request already has a ${header} header; the service token will not overwrite it`)
    }
    if (onBehalfOf !== undefined) {
      if (typeof onBehalfOf !== 'string' || !UUID.test(onBehalfOf))
        fail('onBehalfOf must be a UUID')
      if (headers.has(ON_BEHALF_OF))
        fail('pass either onBehalfOf or an X-On-Behalf-Of header, not both')
      headers.set(ON_BEHALF_OF, onBehalfOf)
    }

    const method = (rest.method ?? request?.method ?? 'GET').toUpperCase()
    const body: RequestInit['body'] =
      rest.body !== undefined ? rest.body : (request?.body ?? undefined)
    const replayable =
      rest.body !== undefined ? isReplayableBody(rest.body) : (request?.body ?? null) === null
    const redirect = rest.redirect ?? request?.redirect ?? 'follow'
    const base: RequestInit = { ...rest }
    if (request !== undefined) {
      base.signal ??= request.signal
      if (request.body !== null && rest.body === undefined)
        (base as { duplex?: string }).duplex = 'half'
    }
    const signal = base.signal ?? undefined

    async function send(secret: CachedSecret): Promise<Response> {
      let target = url
      let bodyNow = body
      let methodNow = method
      const sent = new Headers(headers)
      for (let hops = 0; ; hops++) {
        sent.set(header, bearer ? `Bearer ${secret.value}` : secret.value)
        const response = await fetchImpl(target.href, {
          ...base,
          method: methodNow,
          headers: sent,
          body: bodyNow,
          // Redirects are followed here, so that each hop's origin is checked before the token goes.
          redirect: redirect === 'follow' ? 'manual' : redirect,
        })
        const location = response.headers.get('location')
        if (redirect !== 'follow' || !REDIRECTS.has(response.status) || location === null)
          return response
        await response.body?.cancel()
        if (hops + 1 > MAX_REDIRECTS) fail('too many redirects')
        const next = new URL(location, target)
        if (!mayReceiveToken(next, firstOrigin)) {
          fail(
            `refusing to follow a redirect to ${next.origin}: the service token may not go there`,
          )
        }
        if (
          (response.status === 303 && methodNow !== 'GET' && methodNow !== 'HEAD') ||
          ((response.status === 301 || response.status === 302) && methodNow === 'POST')
        ) {
          methodNow = 'GET'
          bodyNow = undefined
          for (const name of BODY_HEADERS) sent.delete(name)
        } else if (bodyNow !== undefined && bodyNow !== null && !isReplayableBody(bodyNow)) {
          fail('cannot follow a redirect that resends a stream body')
        }
        target = next
      }
    }

    const secret = await currentSecret()
    const response = await send(secret)
    if (
      !retryEnabled ||
      !replayable ||
      signal?.aborted === true ||
      !(await isInvalidToken(response))
    ) {
      return response
    }
    const next = await replacementFor(secret, url.origin)
    if (next === undefined) return response
    await response.body?.cancel()
    logger.info?.(
      { source: cache.source.name, origin: url.origin },
      'keygate: service token refused (invalid_token); retrying once with the refreshed token',
    )
    return send(next)
  }

  return Object.assign(serviceFetch, { cache })
}
