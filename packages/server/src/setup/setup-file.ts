import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { normalizeSetupCode } from './setup-code.js'

/** Name of the setup-code file in the data directory. */
export const SETUP_CODE_FILE = 'setup-code'

/**
 * Where the one-time setup code is written: next to the SQLite file, or `./data/` (relative to
 * `cwd`) for PostgreSQL and an in-memory SQLite database.
 *
 * @example
 * ```ts
 * setupCodePath('sqlite:./data/keygate.db') // '/srv/keygate/data/setup-code'
 * ```
 */
export function setupCodePath(databaseURL: string, cwd: string = process.cwd()): string {
  if (databaseURL.startsWith('sqlite:')) {
    let path = databaseURL.slice('sqlite:'.length)
    if (path.startsWith('//')) path = path.slice(2)
    if (path !== '' && path !== ':memory:') {
      return join(dirname(resolve(cwd, path)), SETUP_CODE_FILE)
    }
  }
  return resolve(cwd, 'data', SETUP_CODE_FILE)
}

/**
 * Writes the code with mode 0600 (its directory, when created, 0700): written under a temporary
 * name, then renamed, so a reader never sees half a code and an older code is replaced whole.
 */
export async function writeSetupCodeFile(path: string, code: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`
  try {
    await writeFile(temp, `${code}\n`, { mode: 0o600, flag: 'wx' })
    // The umask may have narrowed the mode, never widened it; set it exactly anyway.
    await chmod(temp, 0o600)
    await rename(temp, path)
  } catch (error) {
    await unlink(temp).catch(() => {})
    throw error
  }
}

/** Removes the code file; a missing file is not an error. */
export async function removeSetupCodeFile(path: string): Promise<void> {
  try {
    await unlink(path)
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error
  }
}

/**
 * Removes the code file if it holds `code` (another instance may have written a newer code
 * there, and a file that is not ours is left alone).
 */
export async function removeSetupCodeFileFor(path: string, code: string): Promise<void> {
  let content: string
  try {
    content = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return
    throw error
  }
  const held = normalizeSetupCode(content.trim())
  if (held !== undefined && held === normalizeSetupCode(code)) await removeSetupCodeFile(path)
}
