import { randomBytes } from '../../lib/crypto.js'

/** The base62 alphabet, digits first (the order GitHub's token checksums use). */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** `length` base62 characters, each uniform: bytes ≥ 248 are rejected, so `% 62` has no bias. */
export function randomBase62(length: number): string {
  let out = ''
  while (out.length < length) {
    // 1.1× the need covers the ~3 % of rejected bytes in one draw almost always.
    const bytes = randomBytes(Math.ceil((length - out.length) * 1.1) + 2)
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const byte = bytes[i]!
      if (byte < 248) out += BASE62[byte % 62]
    }
  }
  return out
}

/** A non-negative integer below 2^53 as exactly `width` base62 characters, zero-padded. */
export function encodeBase62(value: number, width: number): string {
  let out = ''
  let rest = value
  for (let i = 0; i < width; i++) {
    out = BASE62[rest % 62]! + out
    rest = Math.floor(rest / 62)
  }
  return out
}
