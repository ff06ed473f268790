import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  digestSetupCode,
  generateSetupCode,
  matchesSetupCode,
  normalizeSetupCode,
} from './setup-code.js'
import { removeSetupCodeFile, setupCodePath, writeSetupCodeFile } from './setup-file.js'

describe('setup codes', () => {
  it('are 140 random bits in Crockford base32, in seven groups of four', () => {
    const codes = new Set(Array.from({ length: 200 }, () => generateSetupCode()))
    expect(codes.size).toBe(200)
    for (const code of codes)
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$/)
    // Every character of the alphabet shows up: no bias towards part of it.
    const seen = new Set([...codes].join('').replaceAll('-', ''))
    expect(seen.size).toBe(32)
  })

  it('match however they are typed: case, dashes, spaces, and Crockford look-alikes', () => {
    const code = 'Q4ZB-7K3M-0V1X-ABCD-EFGH-JKMN-PQRS'
    const digest = digestSetupCode(code)
    for (const typed of [
      code,
      code.toLowerCase(),
      code.replaceAll('-', ''),
      code.replaceAll('-', ' '),
      code.replace('0', 'o').replace('1', 'l'),
    ]) {
      expect(matchesSetupCode(typed, digest), typed).toBe(true)
    }
    expect(matchesSetupCode('Q4ZB-7K3M-0V1X-ABCD-EFGH-JKMN-PQRT', digest)).toBe(false)
    expect(matchesSetupCode('', digest)).toBe(false)
    expect(matchesSetupCode('not a code at all', digest)).toBe(false)
    expect(normalizeSetupCode('Q4ZB-7K3M-U')).toBeUndefined()
    expect(() => digestSetupCode('short')).toThrow(TypeError)
  })

  it('are stored as a SHA-256 digest only', () => {
    const code = generateSetupCode()
    const digest = digestSetupCode(code)
    expect(digest).toMatch(/^[0-9a-f]{64}$/)
    expect(digest).not.toContain(code.replaceAll('-', '').toLowerCase())
  })
})

describe('the setup-code file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-setup-file-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('sits next to the SQLite file, or in ./data/ for PostgreSQL and in-memory SQLite', () => {
    expect(setupCodePath('sqlite:./var/kg.db', '/srv')).toBe('/srv/var/setup-code')
    expect(setupCodePath('sqlite:///abs/kg.db', '/srv')).toBe('/abs/setup-code')
    expect(setupCodePath('sqlite::memory:', '/srv')).toBe('/srv/data/setup-code')
    expect(setupCodePath('postgres://db/kg', '/srv')).toBe('/srv/data/setup-code')
    expect(setupCodePath('sqlite:./data/keygate.db')).toBe(resolve('data', 'setup-code'))
  })

  it('is written whole with mode 0600, replaced by a new code, removed without fuss', async () => {
    const file = join(dir, 'nested', 'setup-code')
    await writeSetupCodeFile(file, 'AAAA-BBBB')
    expect(readFileSync(file, 'utf8')).toBe('AAAA-BBBB\n')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    await writeSetupCodeFile(file, 'CCCC-DDDD')
    expect(readFileSync(file, 'utf8')).toBe('CCCC-DDDD\n')
    await removeSetupCodeFile(file)
    await removeSetupCodeFile(file)
    expect(() => statSync(file)).toThrow()
  })
})
