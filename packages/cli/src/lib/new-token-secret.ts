import { digestAPIToken, generateAPIToken } from '@keygate/core'
import type { ServerConfig } from '@keygate/server'

/**
 * A fresh token secret exactly as the server makes one: the plaintext (printed once), its
 * display hint and the digest the store keeps (HMAC-SHA256 with the pepper when configured).
 */
export async function newTokenSecret(
  tokens: ServerConfig['tokens'],
): Promise<{ token: string; hint: string; digest: string }> {
  const { token, hint } = generateAPIToken({ prefix: tokens.prefix })
  const digest = await digestAPIToken(token, { pepper: tokens.pepper })
  return { token, hint, digest }
}
