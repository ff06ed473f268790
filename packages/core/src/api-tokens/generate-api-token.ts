import { randomBase62 } from './lib/base62.js'
import { checkPrefix, checksumOf, DEFAULT_PREFIX, RANDOM_LENGTH } from './lib/format.js'

/** Options of {@link generateAPIToken}. */
export type GenerateAPITokenOptions = {
  /** Lower-case letters, digits and `_`, 1–16 characters. Default `kg`. */
  prefix?: string
}

/** A freshly generated token: the plaintext (shown once) and its display hint. */
export type GeneratedAPIToken = {
  /** `<prefix>_<30 base62 random><6 base62 CRC-32>`. Never store or log it. */
  readonly token: string
  /** Safe to store and show: prefix + `_…` + the last 4 characters, e.g. `kg_…a1B2`. */
  readonly hint: string
}

/**
 * Generates an API token in keygate's format (SPEC §5): `<prefix>_<random><checksum>`, with
 * 30 base62 characters of randomness (≈ 178 bits) and a 6-character base62 CRC-32 of
 * `<prefix>_<random>`, so a scanner or {@link parseAPIToken} rejects a mistyped token offline.
 *
 * @throws TypeError when `prefix` is not 1–16 of `[a-z0-9_]`.
 * @example
 * ```ts
 * const { token, hint } = generateAPIToken({ prefix: 'cue_sk' })
 * // token: 'cue_sk_4Vd…', hint: 'cue_sk_…Qz8a'
 * ```
 */
export function generateAPIToken(options: GenerateAPITokenOptions = {}): GeneratedAPIToken {
  const prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX, 'generateAPIToken()')
  const head = `${prefix}_${randomBase62(RANDOM_LENGTH)}`
  const token = head + checksumOf(head)
  return { token, hint: `${prefix}_…${token.slice(-4)}` }
}
