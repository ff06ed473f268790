import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { generated } from '@keygate/core/fs'
import type { FastifyBaseLogger } from 'fastify'
import { setupCodePath } from '../setup/setup-file.js'

/** Name of the generated key-encryption secret's file, beside the setup code. */
export const KEY_ENCRYPTION_SECRET_FILE = 'key-encryption-secret'

/** Options of {@link resolveKeyEncryptionSecret}. */
export type KeyEncryptionSecretOptions = {
  /** `sessions.keyEncryptionSecret`, when configured. */
  configured: string | undefined
  /** `database.url`: where the data directory is. */
  databaseURL: string
  log: FastifyBaseLogger
}

/**
 * The secret that seals the session signing keys at rest (AES-256-GCM, `seal-private-key.ts`):
 * the configured one; on a SQLite file, without one, a 256-bit secret generated on first start
 * and kept with mode 0600 in the data directory beside the setup code (`key-encryption-secret`),
 * read back on later starts. On PostgreSQL nothing is generated — every instance must use the
 * same secret, so it has to be configured — and the start warns that keys are stored plain.
 * An in-memory database needs none.
 *
 * @throws SecretSourceError when the file cannot be read or written (the start fails closed).
 * @example
 * ```ts
 * const secret = await resolveKeyEncryptionSecret({ configured: undefined, databaseURL: 'sqlite:./data/keygate.db', log })
 * ```
 */
export async function resolveKeyEncryptionSecret(
  options: KeyEncryptionSecretOptions,
): Promise<string | undefined> {
  if (options.configured !== undefined) return options.configured
  const url = options.databaseURL
  if (url.startsWith('sqlite:')) {
    if (url === 'sqlite::memory:' || url === 'sqlite://:memory:') return undefined
    const file = join(dirname(setupCodePath(url)), KEY_ENCRYPTION_SECRET_FILE)
    const created = !existsSync(file)
    // Its own line below says what was generated; the source's warnings and errors pass through.
    const logger = {
      warn: (object: Record<string, unknown>, message: string) => options.log.warn(object, message),
      error: (object: Record<string, unknown>, message: string) =>
        options.log.error(object, message),
    }
    const [secret] = await generated({ file, logger }).load({
      signal: new AbortController().signal,
    })
    if (created) {
      options.log.info({ file }, 'keygate: generated the key-encryption secret of signing keys')
    }
    return secret?.value
  }
  options.log.warn(
    {},
    'keygate: session signing keys are stored unencrypted; set sessions.keyEncryptionSecret (KEYGATE_SESSION_KEY_ENCRYPTION_SECRET), the same on every instance',
  )
  return undefined
}
