import { constants } from 'node:fs'
import { chmod, copyFile, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { randomBytes } from '../lib/crypto.js'
import { describeError, silentLogger, type Logger } from '../logger.js'
import { SecretSourceError, type SecretSource } from '../sources/secret-source.js'
import { parseSecretLines } from './file.js'

/** Options of {@link generated}. */
export type GeneratedSourceOptions = {
  /** Where the secret is kept; created with mode 0600 (its directory 0700) when missing. */
  file: string
  /** Random bytes in a new secret. Default 32 (256 bits). */
  bytes?: number
  logger?: Logger
}

function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * A secret generated at first start (256 bits, base64url) and written with mode 0600 for the
 * clients on the same machine to read; later starts read it back. The value is never logged,
 * only the path.
 *
 * @example
 * ```ts
 * serviceToken({ source: generated({ file: './data/service-token' }) })
 * ```
 */
export function generated(options: GeneratedSourceOptions): SecretSource {
  if (
    options === null ||
    typeof options !== 'object' ||
    typeof options.file !== 'string' ||
    options.file === ''
  ) {
    throw new TypeError('generated(): file must be a non-empty string')
  }
  const bytes = options.bytes ?? 32
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 1024) {
    throw new TypeError('generated(): bytes must be an integer between 16 and 1024')
  }
  const path = options.file
  const logger = options.logger ?? silentLogger
  let warnedMode = false

  async function readExisting() {
    const existing = parseSecretLines(await readFile(path, 'utf8'))
    const info = await stat(path)
    if ((info.mode & 0o077) !== 0 && !warnedMode) {
      warnedMode = true
      logger.warn(
        { file: path, mode: (info.mode & 0o777).toString(8) },
        'keygate: secret file is readable by group or others',
      )
    }
    return existing
  }

  // Writes a complete file under a temporary name, then publishes it with link(), which is
  // atomic and fails when the name exists: processes starting together never overwrite each
  // other's secret, and none reads a half-written file.
  async function publish(value: string): Promise<void> {
    const temp = `${path}.${base64url(randomBytes(6))}.tmp`
    try {
      await writeFile(temp, `${value}\n`, { mode: 0o600, flag: 'wx' })
      await chmod(temp, 0o600)
      try {
        await link(temp, path)
      } catch (error) {
        const code = (error as { code?: string }).code
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') {
          throw error
        }
        // No hard links on this file system: still never overwrite an existing file.
        await copyFile(temp, path, constants.COPYFILE_EXCL)
      }
    } finally {
      await unlink(temp).catch(() => {})
    }
  }

  return {
    name: `generated:${path}`,
    async load() {
      try {
        const existing = await readExisting()
        if (existing.length > 0) return existing
        throw new SecretSourceError('empty', `generated secret file ${path} holds no secret`)
      } catch (error) {
        if (error instanceof SecretSourceError) throw error
        if ((error as { code?: string }).code !== 'ENOENT') {
          throw new SecretSourceError('read_failed', `cannot read generated secret file ${path}`, {
            cause: error,
          })
        }
      }
      const value = base64url(randomBytes(bytes))
      try {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 })
        await publish(value)
        logger.info?.({ file: path }, 'keygate: generated a new service secret')
        return [{ value, label: 'current' }]
      } catch (error) {
        if ((error as { code?: string }).code === 'EEXIST') {
          // Another process (or load) won the race: use its secret.
          const existing = await readExisting().catch(() => [])
          if (existing.length > 0) return existing
        }
        logger.error(
          { file: path, ...describeError(error) },
          'keygate: cannot write generated secret file',
        )
        throw new SecretSourceError('write_failed', `cannot write generated secret file ${path}`)
      }
    },
  }
}
