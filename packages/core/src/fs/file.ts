import { watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { SecretSourceError, type Secret, type SecretSource } from '../sources/secret-source.js'

/** Options of {@link file}. */
export type FileSourceOptions = {
  /**
   * Watch the file's directory and reload on the next request after a change (Kubernetes swaps
   * mounted secrets through a `..data` symlink, which a watch on the file itself would miss).
   * Default true. Without it the file is still re-read at every cache expiry.
   */
  watch?: boolean
}

/** Parses a secrets file: one secret per line; blank lines and `#` comments are skipped. */
export function parseSecretLines(text: string): Secret[] {
  const secrets: Secret[] = []
  for (const line of text.split(/\r?\n/)) {
    const value = line.trim()
    if (value === '' || value.startsWith('#')) continue
    secrets.push({ value, label: secrets.length === 0 ? 'current' : 'additional' })
  }
  return secrets
}

/**
 * Secrets from a file, one per line (SPEC §4), re-read when it changes. A missing or unreadable
 * file is a failure of the source (stale values, then 503); an empty file means "unset" at start
 * (after secrets were loaded the cache treats an empty read as a failure: a half-written file).
 *
 * @example
 * ```ts
 * serviceToken({ source: file('/var/run/secrets/keygate/service-token') })
 * ```
 */
export function file(path: string, options: FileSourceOptions = {}): SecretSource {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError('file(): path must be a non-empty string')
  }
  const name = `file:${path}`
  return {
    name,
    async load() {
      // Read at every load (once per TTL): an (inode, size, mtime) shortcut would miss a rotation
      // on file systems with coarse timestamps or after a copy that preserves times (`cp -p`).
      try {
        return parseSecretLines(await readFile(path, 'utf8'))
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'read_failed'
        throw new SecretSourceError(code, `cannot read secret file ${path} (${code})`)
      }
    },
    subscribe(onChange) {
      if (options.watch === false) return () => {}
      let watcher: FSWatcher | undefined
      try {
        const target = basename(path)
        watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
          if (changed === null || changed === target || changed.startsWith('..')) onChange()
        })
        watcher.on('error', () => watcher?.close())
      } catch {
        // The directory may not exist yet; the TTL still re-reads the file.
      }
      return () => watcher?.close()
    },
  }
}
