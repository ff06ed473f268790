import { InvalidRequestError, type HeaderValues } from '@keygate/core'

/** The request a proxy asks about, as `/v1/auth/check` reconstructs it. */
export type OriginalRequest = {
  readonly method: string
  /** Canonical, percent-decoded path without the query; `undefined` when no URI was conveyed. */
  readonly path: string | undefined
  /** `https` or `http`. */
  readonly proto: string
  /** `host[:port]`, lower-case. */
  readonly host: string | undefined
}

/** Where `originalRequest` reads from. */
export type OriginalRequestInput = {
  /** Method of the sub-request itself (nginx and Traefik send GET; Envoy the original method). */
  method: string
  /** The sub-request's path after the check prefix (Envoy's `path_prefix` mode), or `''`. */
  suffix: string
  /** The sub-request's query string, without `?`, or `''`. */
  query: string
  header: HeaderValues
  /** Whether the socket peer is a `trustProxy` proxy. */
  trusted: boolean
  /** The protocol the sub-request itself arrived on. */
  protocol: 'http' | 'https'
}

// RFC 9110 §9.1 method = token.
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/
// RFC 9110 §7.2 Host = uri-host [ ":" port ]; a reg-name, an IPv4 address or an IP literal.
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/
const FORWARDED = [
  'x-forwarded-method',
  'x-forwarded-uri',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-original-method',
  'x-original-uri',
] as const

function one(header: HeaderValues, name: string): string | undefined {
  const values = header(name)
  if (values.length === 0) return undefined
  // Node joins a repeated X-* header with ", "; a URI or method never holds ", ".
  if (values.length > 1 || values[0]!.includes(', ')) {
    throw new InvalidRequestError({ detail: `More than one ${name} header` })
  }
  return values[0]!
}

function agree(a: string | undefined, b: string | undefined, what: string): string | undefined {
  if (a !== undefined && b !== undefined && a !== b) {
    throw new InvalidRequestError({ detail: `The proxy headers disagree on the original ${what}` })
  }
  return a ?? b
}

// Percent-encoded bytes that would change how a router splits or resolves the path.
const UNSAFE_DECODED = /[/\\.%?#;\x00-\x1f\x7f]/

/**
 * The canonical path of a forwarded request-target: the query is dropped, percent-encoding is
 * decoded, and anything a router could resolve differently is refused rather than guessed —
 * an encoded `/`, `\`, `.`, `%`, `;` or control byte; a dot segment; `//`. So a rule on
 * `/admin/*` is never escaped with `/x/../admin`, `/admin%2Fx` or `/%61dmin` (SPEC §3, as for
 * public routes).
 *
 * @throws InvalidRequestError naming what is wrong, never echoing the path.
 */
export function canonicalForwardedPath(target: string): string {
  const q = target.indexOf('?')
  const raw = q === -1 ? target : target.slice(0, q)
  if (raw.length === 0 || raw.charCodeAt(0) !== 0x2f || raw.length > 8192) {
    throw new InvalidRequestError({ detail: 'The original URI is not an absolute path' })
  }
  let path = raw
  if (raw.includes('%')) {
    let decoded: string
    try {
      decoded = decodeURIComponent(raw)
    } catch {
      throw new InvalidRequestError({ detail: 'The original URI is not valid percent-encoding' })
    }
    for (const match of raw.matchAll(/%([0-9A-Fa-f]{2})/g)) {
      if (UNSAFE_DECODED.test(String.fromCharCode(parseInt(match[1]!, 16)))) {
        throw new InvalidRequestError({ detail: 'The original URI encodes a path delimiter' })
      }
    }
    path = decoded
  }
  // `;` too: servlet containers resolve `/assets/..;/admin` to `/admin` (path parameters).
  if (/[\\#;\x00-\x1f\x7f]|\/\/|\/\.\.?(?:\/|$)/.test(path)) {
    throw new InvalidRequestError({ detail: 'The original URI is not in canonical form' })
  }
  return path
}

/**
 * Reconstructs the request a proxy is asking about (docs/edge.md): nginx `auth_request`
 * (`X-Original-Method`, `X-Original-URI`), Traefik ForwardAuth (`X-Forwarded-Method`,
 * `X-Forwarded-Proto`, `X-Forwarded-Host`, `X-Forwarded-Uri`) and Envoy `ext_authz` (the
 * original method, and the original path appended to the check path).
 *
 * These say what is being accessed, so they are believed only from `trustProxy` peers; from any
 * other peer they are refused (`400`), never silently ignored. Two sources that disagree are
 * refused too.
 *
 * @throws InvalidRequestError (`invalid_request`, 400).
 */
export function originalRequest(input: OriginalRequestInput): OriginalRequest {
  const { header } = input
  const present = FORWARDED.some((name) => header(name).length > 0) || input.suffix !== ''
  if (present && !input.trusted) {
    throw new InvalidRequestError({
      detail: 'Forwarded request headers are accepted only from trustProxy peers',
    })
  }
  const forwardedMethod = agree(
    one(header, 'x-original-method'),
    one(header, 'x-forwarded-method'),
    'method',
  )
  const method = (forwardedMethod ?? input.method).toUpperCase()
  if (!METHOD.test(method))
    throw new InvalidRequestError({ detail: 'The original method is not valid' })
  const envoy =
    input.suffix === ''
      ? undefined
      : input.query === ''
        ? input.suffix
        : `${input.suffix}?${input.query}`
  const uri = agree(
    agree(one(header, 'x-original-uri'), one(header, 'x-forwarded-uri'), 'URI'),
    envoy,
    'URI',
  )
  const host = (one(header, 'x-forwarded-host') ?? one(header, 'host'))?.toLowerCase()
  if (host !== undefined && !HOST.test(host)) {
    throw new InvalidRequestError({ detail: 'The original host is not valid' })
  }
  const proto = (one(header, 'x-forwarded-proto') ?? input.protocol).toLowerCase()
  if (proto !== 'http' && proto !== 'https') {
    throw new InvalidRequestError({ detail: 'The original protocol is not http or https' })
  }
  return {
    method,
    path: uri === undefined ? undefined : canonicalForwardedPath(uri),
    proto,
    host,
  }
}
