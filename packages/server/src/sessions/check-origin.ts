import { AuthError, type AuthRequest } from '@keygate/core'

/** Options of {@link createOriginCheck}. */
export type OriginCheckOptions = {
  /** Origins besides the server's own (`https://console.example.com`), compared exactly. */
  allowedOrigins: readonly string[]
  /**
   * The server's own origin must be `https:` — or `http:` on a loopback host (true when the
   * session cookie is `Secure`: a browser sends it only over HTTPS and to loopback hosts, which it
   * treats as secure contexts, so a same-origin request comes from one of those pages).
   */
  requireHttps: boolean
}

/** What the check reads of a request: its headers (`Origin`, `Referer`, `Host`), nothing else. */
export type OriginHeaders = Pick<AuthRequest, 'header'>

/** The check: throws `403 csrf_failed` unless the request comes from an allowed origin. */
export type OriginCheck = {
  /** The request must name its origin (`Origin`, else `Referer`), and it must be allowed. */
  require(request: OriginHeaders): void
  /** A request that names no origin passes (not a browser); one that names another is refused. */
  ifPresent(request: OriginHeaders): void
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' }

/**
 * A host name a browser resolves to this machine only, so that `http:` to it never crosses a
 * network: `localhost` and its subdomains, `127.0.0.0/8` and `[::1]` (the "potentially
 * trustworthy" loopback origins of W3C Secure Contexts §3.2, to which browsers send `Secure`
 * cookies over plain http). `hostname` is as `URL` normalises it (lower case, IPv4 dotted).
 */
export function isLoopbackHostname(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  )
}

function refused(detail: string): AuthError {
  return new AuthError('csrf_failed', { detail })
}

/** The one value of a header; a repeated one is refused (no guessing which counts). */
function single(request: OriginHeaders, name: string): string | undefined {
  const values = request.header(name)
  if (values.length > 1) throw refused(`More than one ${name} header`)
  return values[0]
}

/** The origin a request names: `Origin`, else the origin of `Referer`. */
function originOf(request: OriginHeaders): string | undefined {
  const origin = single(request, 'origin')
  if (origin !== undefined) return origin.trim()
  const referer = single(request, 'referer')
  if (referer === undefined) return undefined
  try {
    return new URL(referer).origin
  } catch {
    throw refused('The Referer header is not a URL')
  }
}

/**
 * The CSRF defence of cookie sessions (OWASP: verifying the origin with standard headers). A
 * browser names the page a request comes from in `Origin` (and in `Referer`, which older browsers
 * send instead on same-origin requests); a cross-site page cannot forge either. The request passes
 * when that origin is in `allowedOrigins`, or is the server's own: the same host and port as
 * `Host` (which the browser sets to the server it talks to), over `https:` when `requireHttps`
 * unless the host is a loopback name or address — `http://127.0.0.1:4400`, where `npm start`
 * serves the console, is the page of the server's own: traffic to it never leaves the machine,
 * and a page elsewhere cannot claim that origin. A public host over `http:` stays refused.
 * `Origin: null` (sandboxed frames, some redirects) is refused.
 *
 * @throws TypeError at creation for an entry that is not an origin.
 * @example
 * ```ts
 * const csrf = createOriginCheck({ allowedOrigins: ['https://console.example.com'], requireHttps: true })
 * csrf.require(request) // throws AuthError('csrf_failed')
 * ```
 */
export function createOriginCheck(options: OriginCheckOptions): OriginCheck {
  const allowed = new Set<string>()
  for (const entry of options.allowedOrigins) {
    let origin: string
    try {
      origin = new URL(entry).origin
    } catch {
      throw new TypeError(`createOriginCheck(): ${JSON.stringify(entry)} is not an origin`)
    }
    if (origin !== entry) {
      throw new TypeError(`createOriginCheck(): ${JSON.stringify(entry)} is not an origin`)
    }
    allowed.add(origin)
  }
  const requireHttps = options.requireHttps

  function sameOrigin(origin: string, request: OriginHeaders): boolean {
    let url: URL
    try {
      url = new URL(origin)
    } catch {
      return false
    }
    if (url.origin !== origin) return false
    if (url.protocol !== 'https:') {
      if (url.protocol !== 'http:') return false
      if (requireHttps && !isLoopbackHostname(url.hostname)) return false
    }
    const host = single(request, 'host')?.trim().toLowerCase()
    if (host === undefined || host === '') return false
    const port = url.port === '' ? DEFAULT_PORTS[url.protocol] : url.port
    // `Host` may carry the default port explicitly; `URL.host` never does.
    return host === url.host || host === `${url.hostname}:${port}`
  }

  function check(origin: string, request: OriginHeaders): void {
    if (origin === 'null') throw refused('Requests from an opaque origin are refused')
    if (allowed.has(origin) || sameOrigin(origin, request)) return
    throw refused('The request does not come from an allowed origin')
  }

  return {
    require(request) {
      const origin = originOf(request)
      if (origin === undefined) {
        throw refused('A request made with a session cookie must send Origin or Referer')
      }
      check(origin, request)
    },
    ifPresent(request) {
      const origin = single(request, 'origin')
      if (origin !== undefined) check(origin.trim(), request)
    },
  }
}
