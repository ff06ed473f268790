import { describe, expect, it } from 'vitest'
import { defaultConfig, resolveConfig } from './config.js'
import {
  CONFIG_KEYS,
  configFromEnv,
  envName,
  parseConfigValue,
  readConfigEnv,
} from './config-env.js'

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Every key of the defaults that has no entry itself and no entry below it. */
function missingKeys(value: Record<string, unknown>, prefix = ''): string[] {
  const missing: string[] = []
  for (const [name, child] of Object.entries(value)) {
    const path = prefix === '' ? name : `${prefix}.${name}`
    if (path in CONFIG_KEYS) continue
    if (isRecord(child) && Object.keys(child).length > 0) missing.push(...missingKeys(child, path))
    else if (!Object.keys(CONFIG_KEYS).some((key) => key.startsWith(`${path}.`))) missing.push(path)
  }
  return missing
}

describe('CONFIG_KEYS', () => {
  it('covers every key of the configuration (add one line per new key)', () => {
    expect(missingKeys(defaultConfig() as unknown as Record<string, unknown>)).toEqual([])
  })

  it('names only keys that exist', () => {
    const defaults = defaultConfig() as unknown as Record<string, unknown>
    for (const key of Object.keys(CONFIG_KEYS)) {
      let node: unknown = defaults
      for (const segment of key.split('.')) {
        expect(isRecord(node) && segment in node, key).toBe(true)
        node = (node as Record<string, unknown>)[segment]
      }
    }
  })

  it('derives every variable name by the one rule, and no two keys share one', () => {
    expect(envName('port')).toBe('KEYGATE_PORT')
    expect(envName('database.url')).toBe('KEYGATE_DATABASE_URL')
    expect(envName('tokens.pepper')).toBe('KEYGATE_TOKENS_PEPPER')
    expect(envName('cache.ttlMs')).toBe('KEYGATE_CACHE_TTL_MS')
    expect(envName('rateLimits.createToken.perIp.limit')).toBe(
      'KEYGATE_RATE_LIMITS_CREATE_TOKEN_PER_IP_LIMIT',
    )
    const names = Object.entries(CONFIG_KEYS).flatMap(([key, spec]) => [
      envName(key),
      ...(spec.aliases ?? []),
    ])
    expect(new Set(names).size).toBe(names.length)
  })
})

describe('parseConfigValue()', () => {
  it.each([
    ['integer', '8080', 8080],
    ['integer', ' 0 ', 0],
    ['boolean', 'TRUE', true],
    ['boolean', '0', false],
    ['list', 'a, b,,c', ['a', 'b', 'c']],
    ['list', '["a","b"]', ['a', 'b']],
    ['list-or-false', 'false', false],
    ['list-or-false', '10.0.0.0/8', ['10.0.0.0/8']],
    ['json', '{"runs:read":{"roles":["user"]}}', { 'runs:read': { roles: ['user'] } }],
    ['string', ' keep spaces ', ' keep spaces '],
  ] as const)('%s %j', (type, raw, value) => {
    expect(parseConfigValue(type, raw)).toEqual(value)
  })

  it.each([
    ['integer', '80x', 'must be an integer'],
    ['boolean', 'yes', 'must be true or false'],
    ['json', '{nope', 'must be JSON'],
    ['list', '[nope', 'must be a comma-separated list or a JSON array'],
  ] as const)('refuses %s %j without quoting it', (type, raw, message) => {
    expect(() => parseConfigValue(type, raw)).toThrow(new TypeError(message))
  })
})

describe('readConfigEnv()', () => {
  it('reads keys by the derived names and the aliases that shipped before the rule', () => {
    const { input, sources, issues, unknown } = readConfigEnv({
      KEYGATE_PORT: '8080',
      KEYGATE_DATABASE_URL: 'postgres://db/keygate',
      KEYGATE_TOKEN_PEPPER: 'pepper-pepper-pepper',
      KEYGATE_RATE_LIMITS_CREATE_TOKEN_PER_IP_LIMIT: '50',
      KEYGATE_TRUST_PROXY: '10.0.0.1, 10.0.0.2',
      KEYGATE_HOST: '',
      KEYGATE_SERVICE_TOKEN: 'not config',
      KEYGATE_TEST_PG_URL: 'postgres://x',
      KEYGATE_PROT: '1',
      PATH: '/bin',
    })
    expect(issues).toEqual([])
    expect(input).toEqual({
      port: 8080,
      database: { url: 'postgres://db/keygate' },
      tokens: { pepper: 'pepper-pepper-pepper' },
      rateLimits: { createToken: { perIp: { limit: 50 } } },
      trustProxy: ['10.0.0.1', '10.0.0.2'],
    })
    expect(sources).toEqual({
      port: 'KEYGATE_PORT',
      'database.url': 'KEYGATE_DATABASE_URL',
      'tokens.pepper': 'KEYGATE_TOKEN_PEPPER',
      'rateLimits.createToken.perIp.limit': 'KEYGATE_RATE_LIMITS_CREATE_TOKEN_PER_IP_LIMIT',
      trustProxy: 'KEYGATE_TRUST_PROXY',
    })
    expect(unknown).toEqual(['KEYGATE_PROT'])
    expect(resolveConfig(input).rateLimits.createToken.perIp).toEqual({
      limit: 50,
      windowSeconds: 900,
    })
  })

  it('lists every bad variable, and a key set twice to different values', () => {
    const { issues } = readConfigEnv({
      KEYGATE_PORT: 'eighty',
      KEYGATE_API_DOCS: 'maybe',
      KEYGATE_TOKENS_PEPPER: 'one-pepper-value-1',
      KEYGATE_TOKEN_PEPPER: 'two-pepper-value-2',
    })
    expect(issues).toEqual([
      { key: 'port', source: 'KEYGATE_PORT', message: 'must be an integer' },
      {
        key: 'tokens.pepper',
        source: 'KEYGATE_TOKENS_PEPPER, KEYGATE_TOKEN_PEPPER',
        message: 'is set by KEYGATE_TOKENS_PEPPER and KEYGATE_TOKEN_PEPPER to different values',
      },
      { key: 'apiDocs', source: 'KEYGATE_API_DOCS', message: 'must be true or false' },
    ])
    expect(JSON.stringify(issues)).not.toContain('pepper-value')
  })

  it('configFromEnv() throws naming the first bad variable', () => {
    expect(() => configFromEnv({ KEYGATE_PORT: '80x' })).toThrow(
      'keygate config: KEYGATE_PORT must be an integer',
    )
  })
})
