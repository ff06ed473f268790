import { IDENTITY_HEADERS } from '../../edge/create-edge-gate.js'

// RFC 9110 §7.6.1: connection-specific fields are for one hop only, never forwarded.
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/** What {@link upstreamHeaders} needs to know. */
export type ForwardHeadersOptions = {
  /** Header the service token travels in (lower-case). */
  serviceTokenHeader: string
  serviceToken: string | undefined
  passAuthorization: boolean
  /** The token service's session cookie, removed from `Cookie`. */
  sessionCookie: string
  /** The identity headers of the decision (none for a public rule). */
  identity: Readonly<Record<string, string>>
  /** The client's address, the protocol and host it used. */
  clientIp: string
  proto: 'http' | 'https'
  host: string | undefined
  /** `host[:port]` of the upstream. */
  upstreamHost: string
}

/** Names listed in `Connection` are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionTokens(raw: readonly string[]): Set<string> {
  const names = new Set<string>()
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'connection') continue
    for (const token of raw[i + 1]!.split(',')) names.add(token.trim().toLowerCase())
  }
  return names
}

/** True for a header a client may not send through the proxy: it names an identity. */
function isIdentityHeader(raw: string, options: ForwardHeadersOptions): boolean {
  // CGI-style upstreams (WSGI, Rack, PHP-FPM) read `X_Keygate_Subject` and `X-Keygate-Subject`
  // as the same variable, so an underscore spelling is an identity header too.
  const name = raw.replaceAll('_', '-')
  return (
    name === IDENTITY_HEADERS.assertion ||
    name.startsWith('x-keygate-') ||
    name === 'x-on-behalf-of' ||
    name === options.serviceTokenHeader.replaceAll('_', '-') ||
    (name === 'authorization' && !options.passAuthorization)
  )
}

function withoutCookie(value: string, cookie: string): string {
  return value
    .split(';')
    .filter((pair) => pair.slice(0, pair.indexOf('=')).trim() !== cookie)
    .join(';')
    .trim()
}

/**
 * The headers `keygate proxy` sends upstream, as a flat `[name, value, …]` list: the client's,
 * minus hop-by-hop fields, `Host`, the `X-Forwarded-*` it would otherwise pass on, and every
 * header that names an identity (`Keygate-Assertion`, `X-Keygate-*`, `X-On-Behalf-Of`, the
 * service-token header, `Authorization` unless `passAuthorization`, and the session cookie);
 * plus `X-Forwarded-For`/`-Proto`/`-Host`, the decision's identity headers and the service token.
 *
 * @example
 * ```ts
 * const headers = upstreamHeaders(req.rawHeaders, { serviceTokenHeader: 'x-service-token', … })
 * ```
 */
export function upstreamHeaders(raw: readonly string[], options: ForwardHeadersOptions): string[] {
  const dropped = connectionTokens(raw)
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    const value = raw[i + 1]!
    if (HOP_BY_HOP.has(name) || dropped.has(name) || name === 'host') continue
    if (name.startsWith('x-forwarded-') || name === 'forwarded') continue
    if (isIdentityHeader(name, options)) continue
    if (name === 'cookie') {
      const kept = withoutCookie(value, options.sessionCookie)
      if (kept !== '') out.push('cookie', kept)
      continue
    }
    out.push(name, value)
  }
  out.push('host', options.upstreamHost)
  out.push('x-forwarded-for', options.clientIp, 'x-forwarded-proto', options.proto)
  if (options.host !== undefined) out.push('x-forwarded-host', options.host)
  for (const [name, value] of Object.entries(options.identity)) out.push(name, value)
  if (options.serviceToken !== undefined) out.push(options.serviceTokenHeader, options.serviceToken)
  return out
}

/** The upstream's response headers minus hop-by-hop fields, for `writeHead`. */
export function downstreamHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string | string[]> {
  const connection = headers.connection
  const dropped = new Set(
    (Array.isArray(connection) ? connection.join(',') : (connection ?? ''))
      .split(',')
      .map((token) => token.trim().toLowerCase()),
  )
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || dropped.has(name)) continue
    out[name] = value
  }
  return out
}
