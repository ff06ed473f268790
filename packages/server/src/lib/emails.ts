// Deliberately loose (RFC 5321 is not a regex): one @, no spaces, a dot-free local part allowed.
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/

/**
 * Normalises an email as the service stores it: trimmed, lower-cased (SPEC: users). Returns
 * `undefined` when the result is not an address at all.
 *
 * @example
 * ```ts
 * normalizeEmail('  Ada@Example.COM ') // 'ada@example.com'
 * ```
 */
export function normalizeEmail(raw: string): string | undefined {
  const email = raw.trim().toLowerCase()
  return email.length <= 254 && EMAIL.test(email) ? email : undefined
}
