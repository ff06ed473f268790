import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

// Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** 28 characters × 5 bits = 140 bits of randomness. */
const LENGTH = 28
const GROUP = 4

/**
 * A new one-time setup code: 140 random bits in Crockford base32, in groups of four
 * (`7K3M-…`), easy to copy from a terminal.
 *
 * @example
 * ```ts
 * const code = generateSetupCode() // 'Q4ZB-7K3M-…'
 * ```
 */
export function generateSetupCode(): string {
  const bytes = randomBytes(Math.ceil((LENGTH * 5) / 8))
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5 && out.length < LENGTH) {
      out += ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    value &= (1 << bits) - 1
  }
  return out.match(new RegExp(`.{1,${GROUP}}`, 'g'))!.join('-')
}

/**
 * The canonical form of a code as typed: upper case, without dashes or spaces, with Crockford's
 * look-alikes read as digits (I, L → 1; O → 0). Undefined when it cannot be a setup code.
 */
export function normalizeSetupCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0')
  if (code.length !== LENGTH) return undefined
  for (const char of code) if (!ALPHABET.includes(char)) return undefined
  return code
}

/**
 * Hex SHA-256 of the canonical code: what the database keeps (never the code itself).
 *
 * @throws TypeError when `code` is not a setup code.
 */
export function digestSetupCode(code: string): string {
  const canonical = normalizeSetupCode(code)
  if (canonical === undefined) throw new TypeError('digestSetupCode(): not a setup code')
  return createHash('sha256').update(canonical).digest('hex')
}

/**
 * True when `candidate` is the code whose digest is `digest`. Both sides are hashed and compared
 * with `timingSafeEqual`: the time taken says nothing about how much of the code was right.
 */
export function matchesSetupCode(candidate: string, digest: string): boolean {
  const expected = Buffer.from(digest, 'hex')
  const actual = createHash('sha256')
    .update(normalizeSetupCode(candidate) ?? `invalid:${candidate}`)
    .digest()
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}
