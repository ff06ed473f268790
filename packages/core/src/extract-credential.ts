import type { AuthRequest } from './auth-request.js'
import { InvalidRequestError } from './errors.js'

/** A credential found on a request, before any strategy looked at it. */
export type Credential =
  | { readonly kind: 'bearer'; readonly header: 'authorization'; readonly token: string }
  /** An `Authorization` scheme other than Bearer (RFC 6750 §3.1: an unsupported method). */
  | { readonly kind: 'other-scheme'; readonly header: 'authorization'; readonly scheme: string }
  | { readonly kind: 'header'; readonly header: string; readonly value: string }

/** Options of {@link extractCredential}. */
export type ExtractCredentialOptions = {
  /** Custom credential headers, lower-case (e.g. `x-service-token`). */
  headers: readonly string[]
  /** Largest header value accepted, checked before any parsing. Default 4096. */
  maxBytes?: number
}

/** Default cap on a credential header value (SPEC §2). */
export const DEFAULT_MAX_CREDENTIAL_BYTES = 4096

// RFC 9110 §5.6.2 token, the grammar of an auth-scheme.
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/
// A custom header secret: visible ASCII, no comma (Node joins repeated headers with ", ").
const HEADER_SECRET = /^[\x21-\x2b\x2d-\x7e]+$/

/**
 * Parses an `Authorization` value per RFC 9110 §11.4 and RFC 6750 §2.1: scheme matched
 * case-insensitively, `1*SP`, then a token68 for Bearer.
 *
 * @throws InvalidRequestError (`invalid_request`) for anything malformed.
 * @example
 * ```ts
 * parseAuthorization('bearer  abc') // { kind: 'bearer', header: 'authorization', token: 'abc' }
 * ```
 */
export function parseAuthorization(value: string): Credential {
  const space = value.indexOf(' ')
  // The usual spelling needs no scheme grammar check: `Bearer` is a valid token (RFC 9110 §11.1
  // compares schemes case-insensitively, so other spellings take the general path).
  if (space !== 6 || !value.startsWith('Bearer')) {
    const scheme = space === -1 ? value : value.slice(0, space)
    if (!SCHEME.test(scheme)) {
      throw new InvalidRequestError({ detail: 'Malformed Authorization header' })
    }
    if (scheme.length !== 6 || scheme.toLowerCase() !== 'bearer') {
      return { kind: 'other-scheme', header: 'authorization', scheme }
    }
  }
  let start = space
  while (start !== -1 && start < value.length && value.charCodeAt(start) === 0x20) start++
  const token = space === -1 ? '' : value.slice(start)
  if (!TOKEN68.test(token)) {
    throw new InvalidRequestError({ detail: 'Malformed Bearer token' })
  }
  return { kind: 'bearer', header: 'authorization', token }
}

/**
 * RFC 6750 §2.3 defines `access_token` in the query string, and §5.3 says not to use it: the URL
 * ends up in logs, histories and `Referer`. keygate never reads a credential there (SPEC §2), and
 * refuses one instead of ignoring it, so a client that sends it learns why it is not
 * authenticated rather than getting a `401` as if it had sent nothing.
 */
function refuseQueryCredential(path: string): void {
  const query = path.indexOf('?')
  if (query === -1) return
  const search = path.slice(query + 1)
  // Fast path: neither the name nor an escape that could spell it.
  if (!search.includes('access') && !search.includes('%')) return
  let names: URLSearchParams
  try {
    names = new URLSearchParams(search)
  } catch {
    return
  }
  for (const name of names.keys()) {
    if (name.toLowerCase() === 'access_token') {
      throw new InvalidRequestError({
        detail: 'Credentials are not accepted in the query string; send Authorization: Bearer',
      })
    }
  }
}

/**
 * Finds the one credential a request carries, enforcing SPEC §2: at most one `Authorization`
 * line, at most one value per custom header, never two credentials at once, and a size cap
 * applied before any parsing, hashing or I/O.
 *
 * @returns the credential, or `undefined` when the request carries none.
 * @throws InvalidRequestError (`invalid_request`) for duplicates, mixes, oversize or malformed
 *   values, and for `access_token` in the query string (RFC 6750 §2.3 is not supported).
 * @example
 * ```ts
 * const credential = extractCredential(request, { headers: ['x-service-token'] })
 * ```
 */
export function extractCredential(
  request: AuthRequest,
  options: ExtractCredentialOptions,
): Credential | undefined {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CREDENTIAL_BYTES
  refuseQueryCredential(request.path)
  // The header that carries the credential and its value (no object per request).
  let foundHeader: string | undefined
  let foundValue = ''
  const authorization = request.header('authorization')
  if (authorization.length > 1) {
    throw new InvalidRequestError({ detail: 'More than one Authorization header' })
  }
  if (authorization.length === 1) {
    foundHeader = 'authorization'
    foundValue = authorization[0]!
  }
  for (const header of options.headers) {
    const values = request.header(header)
    if (values.length === 0) continue
    if (values.length > 1) {
      throw new InvalidRequestError({ detail: `More than one ${header} header` })
    }
    if (foundHeader !== undefined) {
      throw new InvalidRequestError({ detail: 'More than one credential in the request' })
    }
    foundHeader = header
    foundValue = values[0]!
  }
  if (foundHeader === undefined) return undefined
  if (foundValue.length > maxBytes) {
    throw new InvalidRequestError({ detail: `The ${foundHeader} header is too large` })
  }
  if (foundHeader === 'authorization') return parseAuthorization(foundValue)
  if (!HEADER_SECRET.test(foundValue)) {
    throw new InvalidRequestError({ detail: `Malformed ${foundHeader} header` })
  }
  return { kind: 'header', header: foundHeader, value: foundValue }
}
