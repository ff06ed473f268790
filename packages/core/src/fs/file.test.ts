import { mkdir, mkdtemp, rename, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSecretCache } from '../create-secret-cache.js'
import { AuthUnavailableError } from '../errors.js'
import { SecretSourceError } from '../sources/secret-source.js'
import { file, parseSecretLines } from './file.js'

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keygate-file-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const signal = new AbortController().signal
const valuesOf = (secrets: readonly { value: string }[]) => secrets.map((s) => s.value)

/** Polls `check` until it holds; never asserts on how long that took. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('parseSecretLines', () => {
  it('reads one secret per line, skipping blank lines and comments, trimming spaces and CR', () => {
    expect(
      parseSecretLines('# rotated 2024-01-01\n\ncurrent-one\r\n  previous-one  \n\n# end\n'),
    ).toEqual([
      { value: 'current-one', label: 'current' },
      { value: 'previous-one', label: 'additional' },
    ])
  })

  it('yields nothing for an empty or comment-only text', () => {
    expect(parseSecretLines('')).toEqual([])
    expect(parseSecretLines('\n\n  \n# nothing here\n')).toEqual([])
  })
})

describe('file()', () => {
  it('loads one secret per line', async () => {
    const path = join(dir, 'token')
    await writeFile(path, 'alpha\n# comment\n\nbeta\n')
    expect(valuesOf(await file(path).load({ signal }))).toEqual(['alpha', 'beta'])
  })

  it('is named after its path, never its content', async () => {
    const path = join(dir, 'token')
    await writeFile(path, 'hidden-value\n')
    const source = file(path)
    expect(source.name).toBe(`file:${path}`)
    expect(source.name).not.toContain('hidden-value')
  })

  it('treats an empty file as "unset", not as a failure', async () => {
    const path = join(dir, 'token')
    await writeFile(path, '')
    expect(await file(path).load({ signal })).toEqual([])
    await writeFile(path, '# no secret yet\n')
    expect(await createSecretCache({ source: file(path) }).get()).toEqual({
      secrets: [],
      stale: false,
    })
  })

  it('fails on a missing file with a SecretSourceError naming the path, never a secret', async () => {
    const path = join(dir, 'missing')
    const error = await file(path)
      .load({ signal })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SecretSourceError)
    expect(error).toMatchObject({
      code: 'ENOENT',
      message: `cannot read secret file ${path} (ENOENT)`,
    })
    // Through the cache, a cold missing file is 503.
    await expect(createSecretCache({ source: file(path) }).get()).rejects.toBeInstanceOf(
      AuthUnavailableError,
    )
  })

  it('fails on a directory', async () => {
    await expect(file(dir).load({ signal })).rejects.toMatchObject({ code: 'EISDIR' })
  })

  it('re-reads the file at every load, even when size and mtime did not change', async () => {
    // Same inode, same size, same mtime: what a coarse file system clock (FAT, HFS+, some network
    // file systems) or a copy that preserves times (`cp -p`, `rsync -t`) produces.
    const path = join(dir, 'token')
    const source = file(path, { watch: false })
    const fixedTime = 1_700_000_000
    await writeFile(path, 'first-secret-1\n')
    await utimes(path, fixedTime, fixedTime)
    expect(valuesOf(await source.load({ signal }))).toEqual(['first-secret-1'])
    await writeFile(path, 'other-secret-2\n')
    await utimes(path, fixedTime, fixedTime)
    expect(valuesOf(await source.load({ signal }))).toEqual(['other-secret-2'])
  })

  it('shows the new set through the cache after invalidate() and after the TTL', async () => {
    const path = join(dir, 'token')
    await writeFile(path, 'old\n')
    let t = 0
    const cache = createSecretCache({
      source: file(path, { watch: false }),
      ttlMs: 1000,
      jitter: 0,
      now: () => t,
    })
    expect(valuesOf((await cache.get()).secrets)).toEqual(['old'])
    await writeFile(path, 'new\nold\n')
    expect(valuesOf((await cache.get()).secrets)).toEqual(['old'])
    cache.invalidate()
    expect(valuesOf((await cache.get()).secrets)).toEqual(['new', 'old'])
    await writeFile(path, 'new\n')
    t += 1000
    expect(valuesOf((await cache.get()).secrets)).toEqual(['new'])
  })

  it('serves stale values when the file disappears, then 503 after maxStale', async () => {
    const path = join(dir, 'token')
    await writeFile(path, 'kept\n')
    let t = 0
    const cache = createSecretCache({
      source: file(path, { watch: false }),
      ttlMs: 10,
      jitter: 0,
      maxStaleMs: 100,
      retryMs: 0,
      now: () => t,
    })
    await cache.get()
    await unlink(path)
    t = 50
    expect(await cache.get()).toMatchObject({ stale: true, secrets: [{ value: 'kept' }] })
    t = 111
    await expect(cache.get()).rejects.toMatchObject({ code: 'auth_unavailable' })
  })

  it('an empty read after a non-empty one is a failed load (a half-written file): stale rules, then 503', async () => {
    const path = join(dir, 'token')
    await writeFile(path, 'kept\n')
    let t = 0
    const cache = createSecretCache({
      source: file(path, { watch: false }),
      ttlMs: 10,
      jitter: 0,
      maxStaleMs: 100,
      retryMs: 5,
      now: () => t,
    })
    await cache.get()
    await writeFile(path, '') // a writer that truncates, then writes
    t = 20
    expect(await cache.get()).toMatchObject({ stale: true, secrets: [{ value: 'kept' }] })
    // Retried after retryMs, not held as "unset" for a TTL: the completed file is picked up.
    await writeFile(path, 'rotated\n')
    t = 26
    expect(await cache.get()).toMatchObject({ stale: false, secrets: [{ value: 'rotated' }] })
    // Still empty past maxStale: 503 auth_unavailable, never "unset".
    await writeFile(path, '# emptied\n')
    t = 40
    await cache.get()
    t = 200
    await expect(cache.get()).rejects.toMatchObject({ code: 'auth_unavailable' })
  })

  it('reloads on the next request after the file changes (watch)', async () => {
    const path = join(dir, 'token')
    await writeFile(path, 'before\n')
    const cache = createSecretCache({ source: file(path), ttlMs: 3_600_000 })
    expect(valuesOf((await cache.get()).secrets)).toEqual(['before'])
    await writeFile(path, 'after\n')
    await eventually(
      async () => valuesOf((await cache.get()).secrets)[0] === 'after',
      'the watcher to pick up the new file',
    )
  })

  it('picks up a Kubernetes-style ..data symlink swap', async () => {
    // kubelet's AtomicWriter: ..<timestamp>/ holds the files, ..data -> ..<timestamp>, and the
    // visible name is a symlink token -> ..data/token. A rotation writes a new timestamped dir,
    // points ..data_tmp at it and renames ..data_tmp over ..data.
    const mount = join(dir, 'secrets')
    await mkdir(join(mount, '..2024_01_01_00_00_00.1'), { recursive: true })
    await writeFile(join(mount, '..2024_01_01_00_00_00.1', 'token'), 'v1-secret\n')
    await symlink('..2024_01_01_00_00_00.1', join(mount, '..data'))
    await symlink('..data/token', join(mount, 'token'))

    const path = join(mount, 'token')
    const cache = createSecretCache({ source: file(path), ttlMs: 3_600_000 })
    expect(valuesOf((await cache.get()).secrets)).toEqual(['v1-secret'])

    await mkdir(join(mount, '..2024_01_02_00_00_00.2'))
    await writeFile(join(mount, '..2024_01_02_00_00_00.2', 'token'), 'v2-secret\nv1-secret\n')
    await symlink('..2024_01_02_00_00_00.2', join(mount, '..data_tmp'))
    await rename(join(mount, '..data_tmp'), join(mount, '..data'))
    await rm(join(mount, '..2024_01_01_00_00_00.1'), { recursive: true })

    await eventually(
      async () => valuesOf((await cache.get()).secrets)[0] === 'v2-secret',
      'the ..data swap to be seen',
    )
    expect(valuesOf((await cache.get()).secrets)).toEqual(['v2-secret', 'v1-secret'])
  })

  it('does not watch when watch: false', () => {
    const source = file(join(dir, 'token'), { watch: false })
    let changes = 0
    const stop = source.subscribe!(() => changes++)
    stop()
    expect(changes).toBe(0)
  })

  it('still subscribes when the directory does not exist yet', () => {
    const stop = file(join(dir, 'missing-dir', 'token')).subscribe!(() => {})
    expect(() => stop()).not.toThrow()
  })

  it('throws a TypeError for an empty path', () => {
    expect(() => file('')).toThrow(new TypeError('file(): path must be a non-empty string'))
  })
})
