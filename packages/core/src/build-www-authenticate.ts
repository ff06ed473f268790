/** Options of {@link buildWWWAuthenticate}. */
export type WWWAuthenticateOptions = {
  realm: string
  /** RFC 6750 §3.1 error code; omitted when the request carried no credential. */
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | undefined
  description?: string | undefined
  /** Scopes the resource requires (RFC 6750 §3, space-delimited). */
  scope?: readonly string[] | undefined
}

// RFC 9110 §5.6.4: inside a quoted-string, `"` and `\` are escaped with a backslash; control
// characters other than HTAB are not allowed at all, so they are dropped.
function quote(value: string): string {
  return `"${value.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\uffff]/g, '').replace(/["\\]/g, '\\$&')}"`
}

// RFC 6750 §3: `error` and `error_description` values MUST NOT include characters outside
// %x20-21 / %x23-5B / %x5D-7E (so no `"` and no `\` at all); scope tokens exclude space too.
function rfc6750Text(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')
}

function scopeToken(value: string): string {
  return value.replace(/[^\x21\x23-\x5b\x5d-\x7e]/g, '')
}

/**
 * Builds a `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3).
 *
 * @example
 * ```ts
 * buildWWWAuthenticate({ realm: 'api', error: 'invalid_token' })
 * // 'Bearer realm="api", error="invalid_token"'
 * ```
 */
export function buildWWWAuthenticate(options: WWWAuthenticateOptions): string {
  let header = `Bearer realm=${quote(options.realm)}`
  if (options.error !== undefined) {
    header += `, error="${options.error}"`
    if (options.description !== undefined && options.description !== '') {
      header += `, error_description="${rfc6750Text(options.description)}"`
    }
  }
  const scope = (options.scope ?? []).map(scopeToken).filter((token) => token !== '')
  if (scope.length > 0) header += `, scope="${scope.join(' ')}"`
  return header
}
