import { describe, expect, it } from 'vitest'
import { ConfigError, defaultConfig, resolveConfig } from './config.js'

function messageOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    return (error as Error).message
  }
  return undefined
}

describe('resolveConfig()', () => {
  it('fills in the documented defaults', () => {
    const config = resolveConfig()
    expect(config).toEqual(defaultConfig())
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 4400,
      database: { url: 'sqlite:./data/keygate.db', migrate: true },
      tokens: { prefix: 'kg', minDays: 1, maxDays: 30, defaultDays: 30, defaultScopes: [] },
      rateLimits: {
        createToken: {
          perIp: { limit: 5, windowSeconds: 900 },
          perEmail: { limit: 5, windowSeconds: 900 },
        },
      },
      trustProxy: false,
      bodyLimit: 16384,
    })
    expect(config.tokens.pepper).toBeUndefined()
  })

  it('merges nested values and caps the default expiry at maxDays', () => {
    const config = resolveConfig({
      tokens: { maxDays: 7 },
      rateLimits: { createToken: { perIp: { limit: 50 } } },
    })
    expect(config.tokens).toMatchObject({ maxDays: 7, defaultDays: 7 })
    expect(config.rateLimits.createToken.perIp).toEqual({ limit: 50, windowSeconds: 900 })
    expect(config.rateLimits.createToken.perEmail).toEqual({ limit: 5, windowSeconds: 900 })
  })

  it.each([
    [{ nope: 1 }, 'keygate config: nope is not a known option'],
    [{ tokens: { maxDay: 3 } }, 'keygate config: tokens.maxDay is not a known option'],
    [{ port: 70000 }, 'keygate config: port must be an integer between 0 and 65535'],
    [
      { tokens: { maxDays: 0 } },
      'keygate config: tokens.maxDays must be an integer between 1 and 365',
    ],
    [
      { tokens: { maxDays: 366 } },
      'keygate config: tokens.maxDays must be an integer between 1 and 365',
    ],
    [
      { tokens: { minDays: 10, maxDays: 5 } },
      'keygate config: tokens.minDays must not exceed tokens.maxDays',
    ],
    [
      { tokens: { defaultDays: 40 } },
      'keygate config: tokens.defaultDays must be an integer between 1 and 30',
    ],
    [{ tokens: { prefix: 'KG' } }, 'keygate config: tokens.prefix must be 1-16 of [a-z0-9_]'],
    [
      { tokens: { pepper: 'short' } },
      'keygate config: tokens.pepper must be at least 16 characters',
    ],
    [
      { tokens: { defaultScopes: ['runs:read'] } },
      'keygate config: tokens.defaultScopes names an unknown scope runs:read',
    ],
    [
      { scopes: { runs: { roles: ['user'] } } },
      'keygate config: scopes.runs is not a resource:action scope name',
    ],
    [
      { scopes: { 'tokens:read': { roles: ['user'] } } },
      'keygate config: scopes.tokens:read is a built-in scope',
    ],
    [
      { scopes: { 'runs:read': { roles: ['ghost'] } } },
      'keygate config: scopes.runs:read.roles must list known roles (admin, user)',
    ],
    [{ roles: ['admin'] }, 'keygate config: roles entry admin is built in'],
    [
      { trustProxy: true },
      'keygate config: trustProxy must be false or a non-empty list of IPs/CIDRs',
    ],
    [
      { trustProxy: ['10.0.0.0/33'] },
      'keygate config: trustProxy entry "10.0.0.0/33" is not an IP or CIDR',
    ],
    [
      { database: { url: 'mysql://x' } },
      'keygate config: database.url must be sqlite:<path> or postgres://…',
    ],
    [
      { rateLimits: { createToken: { perIp: { limit: 0 } } } },
      'keygate config: rateLimits.createToken.perIp.limit must be an integer between 1 and 1000000',
    ],
    [
      { logLevel: 'loud' },
      'keygate config: logLevel must be one of fatal, error, warn, info, debug, trace, silent',
    ],
    [{ realm: 'a"b' }, 'keygate config: realm must be printable ASCII without " or \\'],
  ])('refuses %j', (input, message) => {
    expect(() => resolveConfig(input as never)).toThrow(ConfigError)
    expect(messageOf(() => resolveConfig(input as never))).toBe(message)
  })

  it('accepts application scopes, custom roles and trusted proxies', () => {
    const config = resolveConfig({
      roles: ['operator'],
      scopes: { 'runs:read': { roles: ['user', 'operator'], description: 'Read runs' } },
      trustProxy: ['10.0.0.0/8', '::1', '192.0.2.7'],
      tokens: { defaultScopes: ['runs:read'], pepper: 'a-very-long-server-pepper' },
    })
    expect(config.scopes['runs:read']).toEqual({
      roles: ['user', 'operator'],
      description: 'Read runs',
    })
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '::1', '192.0.2.7'])
  })
})

describe('resolveConfig() with several bad keys', () => {
  it('reports every bad key, one line each, and lists them on the error', () => {
    let error: unknown
    try {
      resolveConfig({
        port: 'eighty',
        nope: true,
        tokens: { maxDays: 0, pepper: 'short', colour: 'red' },
        scopes: { runs: { roles: ['user'] }, 'jobs:read': { roles: ['ghost'] } },
        database: 'sqlite:x',
      } as never)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect(error).toBeInstanceOf(TypeError)
    const issues = (error as ConfigError).issues.map((i) => i.key)
    expect(issues.sort()).toEqual(
      [
        'database',
        'nope',
        'port',
        'scopes.jobs:read.roles',
        'scopes.runs',
        'tokens.colour',
        'tokens.maxDays',
        'tokens.pepper',
      ].sort(),
    )
    expect((error as Error).message.split('\n')).toHaveLength(issues.length)
    expect((error as Error).message).toContain(
      'keygate config: port must be an integer between 0 and 65535',
    )
  })
})
