import {
  CHECKSUM_LENGTH,
  checkPrefix,
  checksumOf,
  DEFAULT_PREFIX,
  RANDOM_LENGTH,
} from './lib/format.js'

/** Options of {@link parseAPIToken}. */
export type ParseAPITokenOptions = {
  /** The prefix this deployment issues. Default `kg`. */
  prefix?: string
}

/**
 * The result of {@link parseAPIToken}:
 * - `ok: true` — well-formed, checksum correct (says nothing about whether the token exists);
 * - `reason: 'foreign'` — not a token of this prefix at all (another strategy's credential);
 * - `reason: 'malformed'` — this prefix, but wrong length or characters;
 * - `reason: 'checksum'` — this prefix and shape, but the checksum does not match (a typo or garbage).
 */
export type ParsedAPIToken =
  | {
      readonly ok: true
      readonly prefix: string
      readonly random: string
      readonly checksum: string
    }
  | { readonly ok: false; readonly reason: 'foreign' | 'malformed' | 'checksum' }

const TAIL = new RegExp(`^[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`)
const FOREIGN: ParsedAPIToken = Object.freeze({ ok: false, reason: 'foreign' })
const MALFORMED: ParsedAPIToken = Object.freeze({ ok: false, reason: 'malformed' })
const CHECKSUM: ParsedAPIToken = Object.freeze({ ok: false, reason: 'checksum' })

/**
 * Parses and verifies a token offline (SPEC §5): no I/O, no hashing. A token's prefix is
 * everything before its last `_` (the random part is base62, so never contains one); a token
 * whose prefix differs from `prefix` is `foreign`. This is what the `apiTokens` strategy uses to
 * decide whether it recognises a bearer credential.
 *
 * @throws TypeError when `prefix` is not 1–16 of `[a-z0-9_]`.
 * @example
 * ```ts
 * parseAPIToken(token, { prefix: 'kg' }).ok // true for a token from generateAPIToken()
 * ```
 */
export function parseAPIToken(token: string, options: ParseAPITokenOptions = {}): ParsedAPIToken {
  const prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX, 'parseAPIToken()')
  return parseWithPrefix(token, prefix)
}

/** {@link parseAPIToken} for a prefix already validated (the strategy's hot path). */
export function parseWithPrefix(token: string, prefix: string): ParsedAPIToken {
  if (typeof token !== 'string') return FOREIGN
  const cut = token.lastIndexOf('_')
  if (cut !== prefix.length || !token.startsWith(prefix)) return FOREIGN
  const tail = token.slice(cut + 1)
  if (!TAIL.test(tail)) return MALFORMED
  const random = tail.slice(0, RANDOM_LENGTH)
  const checksum = tail.slice(RANDOM_LENGTH)
  // The checksum is not a secret: a plain comparison is fine.
  if (checksumOf(token.slice(0, cut + 1 + RANDOM_LENGTH)) !== checksum) return CHECKSUM
  return { ok: true, prefix, random, checksum }
}
