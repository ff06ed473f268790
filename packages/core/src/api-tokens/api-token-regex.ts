import { CHECKSUM_LENGTH, checkPrefix, DEFAULT_PREFIX, RANDOM_LENGTH } from './lib/format.js'

/** Options of {@link apiTokenRegex} (a bare string is the prefix). */
export type APITokenRegexOptions = {
  /** Default `kg`. */
  prefix?: string
  /** RegExp flags, e.g. `g` to find every token in a text. Default none. */
  flags?: string
}

/**
 * The published pattern of this prefix's tokens, for secret scanners (GitHub secret scanning,
 * gitleaks, trufflehog): `\b<prefix>_[0-9A-Za-z]{36}\b`. A match is a candidate; confirm it
 * offline with {@link parseAPIToken} (the checksum) before reporting it.
 *
 * @throws TypeError when `prefix` is not 1–16 of `[a-z0-9_]`.
 * @example
 * ```ts
 * apiTokenRegex('kg').source // '\\bkg_[0-9A-Za-z]{36}\\b'
 * apiTokenRegex({ prefix: 'cue_sk', flags: 'g' }) // for matchAll over a file
 * ```
 */
export function apiTokenRegex(options: string | APITokenRegexOptions = {}): RegExp {
  if (typeof options === 'string') options = { prefix: options }
  const prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX, 'apiTokenRegex()')
  // The prefix alphabet [a-z0-9_] holds no RegExp metacharacter.
  return new RegExp(
    `\\b${prefix}_[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}\\b`,
    options.flags ?? '',
  )
}
