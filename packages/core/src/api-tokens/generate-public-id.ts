import { randomBase62 } from './lib/base62.js'

/**
 * A token's public id (SPEC §5): `tok_` + 24 base62 characters (≈ 143 bits, unguessable).
 * Safe to log, show and put in URLs; it is not a credential.
 *
 * @example
 * ```ts
 * generatePublicId() // 'tok_3kQ9…'
 * ```
 */
export function generatePublicId(): string {
  return `tok_${randomBase62(24)}`
}
