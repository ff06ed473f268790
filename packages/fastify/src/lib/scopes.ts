// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/** Copies and validates a scope list once, at start. */
export function validateScopes(scopes: unknown, where: string): readonly string[] {
  if (!Array.isArray(scopes)) throw new TypeError(`${where} must be an array of scopes`)
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new TypeError(`${where}: ${JSON.stringify(scope)} is not a valid scope`)
    }
  }
  return Object.freeze([...(scopes as string[])])
}
