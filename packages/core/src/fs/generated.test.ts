import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Logger } from '../logger.js'
import { SecretSourceError } from '../sources/secret-source.js'
import { generated } from './generated.js'

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keygate-generated-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const signal = new AbortController().signal

function capturingLogger() {
  const lines: string[] = []
  const push = (o: Record<string, unknown>, m: string) => lines.push(`${m} ${JSON.stringify(o)}`)
  const logger: Logger = { warn: push, error: push, info: push, debug: push }
  return { logger, lines }
}

describe('generated()', () => {
  it('generates a 256-bit base64url secret and writes it with mode 0600', async () => {
    const path = join(dir, 'service-token')
    const secrets = await generated({ file: path }).load({ signal })
    expect(secrets).toHaveLength(1)
    const value = secrets[0]!.value
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(value, 'base64url')).toHaveLength(32)
    expect(await readFile(path, 'utf8')).toBe(`${value}\n`)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it('creates missing directories with mode 0700', async () => {
    const path = join(dir, 'data', 'keygate', 'service-token')
    await generated({ file: path }).load({ signal })
    expect((await stat(join(dir, 'data'))).mode & 0o777).toBe(0o700)
    expect((await stat(join(dir, 'data', 'keygate'))).mode & 0o777).toBe(0o700)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it('leaves an existing directory as it is', async () => {
    await chmod(dir, 0o755)
    await generated({ file: join(dir, 'service-token') }).load({ signal })
    expect((await stat(dir)).mode & 0o777).toBe(0o755)
  })

  it('returns the same value on a second load and from a second source', async () => {
    const path = join(dir, 'service-token')
    const source = generated({ file: path })
    const [first] = await source.load({ signal })
    const [second] = await source.load({ signal })
    const [third] = await generated({ file: path }).load({ signal })
    expect(second!.value).toBe(first!.value)
    expect(third!.value).toBe(first!.value)
  })

  it('reuses an existing file without rewriting it', async () => {
    const path = join(dir, 'service-token')
    await writeFile(path, 'operator-provided-secret\n', { mode: 0o600 })
    const before = await stat(path)
    expect(await generated({ file: path }).load({ signal })).toEqual([
      { value: 'operator-provided-secret', label: 'current' },
    ])
    const after = await stat(path)
    expect(after.mtimeMs).toBe(before.mtimeMs)
    expect(await readFile(path, 'utf8')).toBe('operator-provided-secret\n')
  })

  it('warns, without the value, when an existing file is readable by others', async () => {
    const path = join(dir, 'service-token')
    await writeFile(path, 'world-readable-secret\n')
    await chmod(path, 0o644)
    const { logger, lines } = capturingLogger()
    await generated({ file: path, logger }).load({ signal })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('readable by group or others')
    expect(lines[0]).toContain('"mode":"644"')
    expect(lines.join('\n')).not.toContain('world-readable-secret')
  })

  it('warns about the mode once, not at every load', async () => {
    const path = join(dir, 'service-token')
    await writeFile(path, 'world-readable-secret\n')
    await chmod(path, 0o640)
    const { logger, lines } = capturingLogger()
    const source = generated({ file: path, logger })
    await source.load({ signal })
    await source.load({ signal })
    expect(lines).toHaveLength(1)
  })

  it('fails closed on an existing empty file, without overwriting it', async () => {
    const path = join(dir, 'service-token')
    await writeFile(path, '\n# placeholder\n', { mode: 0o600 })
    const error = await generated({ file: path })
      .load({ signal })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SecretSourceError)
    expect(error).toMatchObject({
      code: 'empty',
      message: `generated secret file ${path} holds no secret`,
    })
    expect(await readFile(path, 'utf8')).toBe('\n# placeholder\n')
  })

  it('never logs the generated value', async () => {
    const { logger, lines } = capturingLogger()
    const path = join(dir, 'service-token')
    const [secret] = await generated({ file: path, logger }).load({ signal })
    expect(lines.join('\n')).toContain(path)
    expect(lines.join('\n')).not.toContain(secret!.value)
  })

  it('lets concurrent first loads agree on one value, never overwriting each other', async () => {
    for (let round = 0; round < 20; round++) {
      const path = join(dir, `round-${round}`, 'service-token')
      const sources = Array.from({ length: 8 }, () => generated({ file: path }))
      const results = await Promise.all(sources.map((s) => s.load({ signal })))
      const values = new Set(results.map((r) => r[0]?.value))
      expect(values.size).toBe(1)
      expect(await readFile(path, 'utf8')).toBe(`${[...values][0]}\n`)
      expect((await stat(path)).mode & 0o777).toBe(0o600)
    }
  })

  it('leaves no temporary file behind', async () => {
    const sub = join(dir, 'd')
    await mkdir(sub)
    const path = join(sub, 'service-token')
    await Promise.all(Array.from({ length: 4 }, () => generated({ file: path }).load({ signal })))
    const { readdir } = await import('node:fs/promises')
    expect(await readdir(sub)).toEqual(['service-token'])
  })

  it('fails with a SecretSourceError when the file cannot be written', async () => {
    const blocker = join(dir, 'not-a-dir')
    await writeFile(blocker, '')
    const error = await generated({ file: join(blocker, 'service-token') })
      .load({ signal })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SecretSourceError)
    expect(error).toMatchObject({ code: expect.stringMatching(/_failed$/) })
    expect((error as Error).message).toContain(join(blocker, 'service-token'))
  })

  it.each([
    [{ file: '' }, 'generated(): file must be a non-empty string'],
    [{ file: 'x', bytes: 8 }, 'generated(): bytes must be an integer between 16 and 1024'],
    [{ file: 'x', bytes: 1.5 }, 'generated(): bytes must be an integer between 16 and 1024'],
  ])('throws a TypeError for bad options %j', (options, message) => {
    expect(() => generated(options)).toThrow(new TypeError(message))
  })
})
