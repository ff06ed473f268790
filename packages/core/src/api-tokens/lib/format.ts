import { encodeBase62 } from './base62.js'
import { crc32 } from './crc32.js'

/** Default token prefix (SPEC §5). */
export const DEFAULT_PREFIX = 'kg'
/** Base62 characters of randomness: 62^30 ≈ 2^178.6, above the 160 bits SPEC §5 asks for. */
export const RANDOM_LENGTH = 30
/** Base62 characters of the CRC-32 checksum: 62^6 > 2^32. */
export const CHECKSUM_LENGTH = 6

const PREFIX = /^[a-z0-9_]{1,16}$/

/**
 * Validates a token prefix once, at configuration time.
 *
 * @throws TypeError naming the function and the option.
 */
export function checkPrefix(prefix: unknown, where: string): string {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new TypeError(
      `${where}: prefix must be 1 to 16 lower-case letters, digits or "_" (got ${typeof prefix === 'string' ? JSON.stringify(prefix.slice(0, 20)) : typeof prefix})`,
    )
  }
  return prefix
}

/** The checksum of `<prefix>_<random>`. */
export function checksumOf(head: string): string {
  return encodeBase62(crc32(head), CHECKSUM_LENGTH)
}
