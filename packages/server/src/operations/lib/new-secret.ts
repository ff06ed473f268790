import { digestAPIToken, generateAPIToken } from '@keygate/core'
import type { ServerConfig } from '../../config/server-config.js'

/** A fresh token secret: the plaintext (answered once), its display hint and its stored digest. */
export async function newSecret(
  tokens: ServerConfig['tokens'],
): Promise<{ token: string; hint: string; digest: string }> {
  const { token, hint } = generateAPIToken({ prefix: tokens.prefix })
  const digest = await digestAPIToken(token, { pepper: tokens.pepper })
  return { token, hint, digest }
}
