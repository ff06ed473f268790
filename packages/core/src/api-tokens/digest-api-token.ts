import { hexDigestSync, toHex } from './lib/node-crypto.js'

/** Options of {@link digestAPIToken}. */
export type DigestAPITokenOptions = {
  /**
   * A server-side secret: when set, the digest is HMAC-SHA256 keyed with it, so a leaked
   * database alone cannot confirm a guessed token. Changing it invalidates every stored digest.
   */
  pepper?: string | undefined
}

const encoder = new TextEncoder()

/**
 * The value a token is stored and looked up by (SPEC §5): lower-case hex SHA-256 of the
 * plaintext, or HMAC-SHA256 with `pepper`. Synchronous `node:crypto` under Node, Web Crypto
 * elsewhere. Tokens carry ≥ 160 random bits, so a fast hash is right (no password KDF).
 *
 * @throws TypeError when `pepper` is given but empty.
 * @example
 * ```ts
 * const digest = await digestAPIToken(token, { pepper: process.env.KEYGATE_TOKEN_PEPPER })
 * ```
 */
export async function digestAPIToken(
  token: string,
  options: DigestAPITokenOptions = {},
): Promise<string> {
  const pepper = options.pepper
  if (pepper !== undefined && (typeof pepper !== 'string' || pepper === '')) {
    throw new TypeError('digestAPIToken(): pepper must be a non-empty string')
  }
  const sync = hexDigestSync(token, pepper)
  if (sync !== undefined) return sync
  if (pepper === undefined)
    return toHex(await crypto.subtle.digest('SHA-256', encoder.encode(token)))
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(pepper),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return toHex(await crypto.subtle.sign('HMAC', key, encoder.encode(token)))
}
