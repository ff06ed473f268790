import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { UsageError } from '../lib/errors.js'
import { ConfigLoadError, loadConfig } from './load-config.js'

const dir = mkdtempSync(join(tmpdir(), 'keygate-load-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function withFile(name: string, content: unknown): string {
  const sub = mkdtempSync(join(dir, 'case-'))
  writeFileSync(join(sub, name), typeof content === 'string' ? content : JSON.stringify(content))
  return sub
}

function issuesOf(run: () => unknown) {
  try {
    run()
  } catch (error) {
    if (error instanceof ConfigLoadError) return error.issues
    throw error
  }
  throw new Error('no error')
}

describe('loadConfig()', () => {
  it('defaults when there is no file, no variable and no flag', () => {
    const loaded = loadConfig({ env: {}, cwd: mkdtempSync(join(dir, 'empty-')) })
    expect(loaded.file).toBeUndefined()
    expect(loaded.sources).toEqual({})
    expect(loaded.config.port).toBe(4400)
    expect(loaded.config.database.url).toBe('sqlite:./data/keygate.db')
  })

  it('layers flags over the environment over keygate.config.json, and says where each came from', () => {
    const cwd = withFile('keygate.config.json', {
      host: '0.0.0.0',
      port: 8080,
      tokens: { maxDays: 90, prefix: 'acme' },
      scopes: { 'runs:read': { roles: ['user'] } },
    })
    const loaded = loadConfig({
      cwd,
      env: {
        KEYGATE_PORT: '9090',
        KEYGATE_TOKENS_MAX_DAYS: '60',
        KEYGATE_DATABASE_URL: 'sqlite:/tmp/x.db',
      },
      flags: { port: '7070', database: undefined },
    })
    expect(loaded.file).toBe(join(cwd, 'keygate.config.json'))
    expect(loaded.config).toMatchObject({
      host: '0.0.0.0',
      port: 7070,
      tokens: { maxDays: 60, prefix: 'acme' },
      database: { url: 'sqlite:/tmp/x.db' },
    })
    expect(loaded.sources).toEqual({
      host: 'keygate.config.json',
      port: '--port',
      'tokens.maxDays': 'KEYGATE_TOKENS_MAX_DAYS',
      'tokens.prefix': 'keygate.config.json',
      scopes: 'keygate.config.json',
      'database.url': 'KEYGATE_DATABASE_URL',
    })
  })

  it('a JSON variable replaces the whole value from the file', () => {
    const cwd = withFile('keygate.config.json', { scopes: { 'runs:read': { roles: ['user'] } } })
    const loaded = loadConfig({
      cwd,
      env: { KEYGATE_SCOPES: '{"jobs:read":{"roles":["admin"]}}' },
    })
    expect(Object.keys(loaded.config.scopes)).toEqual(['jobs:read'])
    expect(loaded.sources.scopes).toBe('KEYGATE_SCOPES')
  })

  it('reports every bad key at once, each with its source', () => {
    const cwd = withFile('keygate.config.json', {
      port: -1,
      tokens: { colour: 'red' },
      database: { url: 'mysql://x' },
    })
    expect(
      issuesOf(() =>
        loadConfig({ cwd, env: { KEYGATE_BODY_LIMIT: '1k', KEYGATE_TRUST_PROXY: '10.0.0.0/99' } }),
      ),
    ).toEqual([
      { key: 'bodyLimit', source: 'KEYGATE_BODY_LIMIT', message: 'must be an integer' },
      {
        key: 'port',
        source: 'keygate.config.json',
        message: 'must be an integer between 0 and 65535',
      },
      {
        key: 'database.url',
        source: 'keygate.config.json',
        message: 'must be sqlite:<path> or postgres://…',
      },
      { key: 'tokens.colour', source: 'keygate.config.json', message: 'is not a known option' },
      {
        key: 'trustProxy',
        source: 'KEYGATE_TRUST_PROXY',
        message: 'entry "10.0.0.0/99" is not an IP or CIDR',
      },
    ])
  })

  it('a named file must exist (--config or KEYGATE_CONFIG); the default file need not', () => {
    const cwd = mkdtempSync(join(dir, 'none-'))
    expect(issuesOf(() => loadConfig({ cwd, env: {}, file: 'nope.json' }))).toEqual([
      { key: '', source: undefined, message: 'cannot read nope.json (ENOENT)' },
    ])
    expect(
      issuesOf(() => loadConfig({ cwd, env: { KEYGATE_CONFIG: 'other.json' } }))[0]?.message,
    ).toBe('cannot read other.json (ENOENT)')
  })

  it('a file that is not a JSON object: its position, never its content', () => {
    const cwd = withFile(
      'keygate.config.json',
      '{\n  "tokens": {"pepper": "sup3r-secret-pepper"},\n  oops\n}',
    )
    const [issue] = issuesOf(() => loadConfig({ cwd, env: {} }))
    expect(issue?.message).toMatch(
      /^keygate\.config\.json is not valid JSON( at line 3, column \d+)?$/,
    )
    expect(issue?.message).not.toContain('sup3r')
    const array = withFile('keygate.config.json', '[1, 2]')
    expect(issuesOf(() => loadConfig({ cwd: array, env: {} }))[0]?.message).toBe(
      'keygate.config.json must hold a JSON object',
    )
  })

  it('a flag value that does not parse is a usage error', () => {
    expect(() => loadConfig({ env: {}, cwd: dir, flags: { port: 'eighty' } })).toThrow(
      new UsageError('--port must be an integer'),
    )
  })

  it('warns about KEYGATE_* variables that are not configuration keys, with a guess', () => {
    const loaded = loadConfig({
      cwd: mkdtempSync(join(dir, 'warn-')),
      env: {
        KEYGATE_PROT: '1',
        KEYGATE_BOOTSTRAP_ADMIN_EMAIL: 'a@b.c',
        KEYGATE_SERVICE_TOKEN: 'not config',
        KEYGATE_CONFIG: '',
      },
    })
    expect(loaded.warnings).toEqual([
      expect.stringMatching(
        /^KEYGATE_BOOTSTRAP_ADMIN_EMAIL is no longer read: the first admin is created with the setup code/,
      ),
      'KEYGATE_PROT is not a configuration variable (did you mean KEYGATE_PORT?)',
    ])
  })
})

describe('loadConfig() and variables the configuration names', () => {
  it('does not warn about the variable metrics.serviceToken reads', () => {
    const loaded = loadConfig({
      cwd: mkdtempSync(join(dir, 'named-')),
      env: {
        KEYGATE_METRICS_PROTECT: 'service-token',
        KEYGATE_METRICS_SERVICE_TOKEN: '{"env":"KEYGATE_SCRAPE_TOKEN"}',
        KEYGATE_SCRAPE_TOKEN: 'x'.repeat(32),
      },
    })
    expect(loaded.warnings).toEqual([])
  })
})
