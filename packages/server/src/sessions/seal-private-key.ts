import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16

/** A key derived from the configured secret, for one purpose only (HKDF-SHA256, RFC 5869). */
function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'keygate/signing-keys', VERSION, 32))
}

/**
 * The stored form of a private JWK: JSON text, or — with a secret — sealed with AES-256-GCM
 * (`v1.<iv>.<ciphertext+tag>`, base64url) under a key derived from the secret. The `kid` is the
 * additional authenticated data, so a sealed key cannot be moved to another row.
 */
export function sealPrivateKey(jwk: object, kid: string, secret: string | undefined): string {
  const json = JSON.stringify(jwk)
  if (secret === undefined) return json
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secret), iv)
  cipher.setAAD(Buffer.from(kid))
  const sealed = Buffer.concat([cipher.update(json, 'utf8'), cipher.final(), cipher.getAuthTag()])
  return `${VERSION}.${iv.toString('base64url')}.${sealed.toString('base64url')}`
}

/**
 * Reads a stored private JWK back. Plain JSON is read with or without a secret (keys stored before
 * a secret was configured keep working); a sealed one needs the secret it was sealed with.
 *
 * @throws TypeError naming the key (never its content) when it cannot be read.
 */
export function openPrivateKey(
  stored: string,
  kid: string,
  secret: string | undefined,
): Record<string, unknown> {
  if (stored.startsWith('{')) {
    try {
      return JSON.parse(stored) as Record<string, unknown>
    } catch {
      throw new TypeError(`keygate sessions: signing key ${kid} is not valid JSON`)
    }
  }
  const [version, iv, sealed] = stored.split('.')
  if (version !== VERSION || iv === undefined || sealed === undefined) {
    throw new TypeError(`keygate sessions: signing key ${kid} has an unknown stored form`)
  }
  if (secret === undefined) {
    throw new TypeError(
      `keygate sessions: signing key ${kid} is encrypted; set sessions.keyEncryptionSecret (KEYGATE_SESSION_KEY_ENCRYPTION_SECRET)`,
    )
  }
  try {
    const bytes = Buffer.from(sealed, 'base64url')
    const decipher = createDecipheriv(
      'aes-256-gcm',
      deriveKey(secret),
      Buffer.from(iv, 'base64url'),
    )
    decipher.setAAD(Buffer.from(kid))
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
    const json = Buffer.concat([
      decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8')
    return JSON.parse(json) as Record<string, unknown>
  } catch {
    throw new TypeError(
      `keygate sessions: signing key ${kid} cannot be decrypted with sessions.keyEncryptionSecret`,
    )
  }
}
