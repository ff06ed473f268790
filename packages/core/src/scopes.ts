// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/** True when `value` is one scope token of RFC 6749 §3.3 (printable ASCII, no space, `"` or `\`). */
export function isScope(value: unknown): value is string {
  return typeof value === 'string' && SCOPE_TOKEN.test(value)
}

/**
 * Copies and validates a list of required scopes once, where a route declares them: every adapter's
 * `requireScopes()` and route options go through this one grammar.
 *
 * @throws TypeError naming `where` for a list that is not an array, holds a value that is not a
 *   scope token (RFC 6749 §3.3), or is empty when `atLeastOne` is set.
 * @example
 * ```ts
 * const required = validateScopes(['things:read'], 'requireScopes()', { atLeastOne: true })
 * ```
 */
export function validateScopes(
  scopes: unknown,
  where: string,
  options: { atLeastOne?: boolean } = {},
): readonly string[] {
  if (!Array.isArray(scopes)) throw new TypeError(`${where} must be an array of scopes`)
  if (options.atLeastOne === true && scopes.length === 0) {
    throw new TypeError(`${where}: at least one scope is required`)
  }
  for (const scope of scopes) {
    if (!isScope(scope)) {
      throw new TypeError(`${where}: ${JSON.stringify(scope)} is not a valid scope`)
    }
  }
  return Object.freeze([...(scopes as string[])])
}
