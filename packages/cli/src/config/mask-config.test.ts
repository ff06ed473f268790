import { resolveConfig } from '@keygate/server'
import { describe, expect, it } from 'vitest'
import { flattenConfig, MASK, maskConfig, maskURL } from './mask-config.js'

describe('maskURL()', () => {
  it.each([
    ['postgres://kg:s3cret@db:5432/kg', 'postgres://kg:****@db:5432/kg'],
    ['redis://:s3cret@cache:6379/0', 'redis://:****@cache:6379/0'],
    ['rediss://user:s3cret@cache:6380', 'rediss://user:****@cache:6380'],
    [
      'postgres://db/kg?sslmode=require&password=s3cret',
      'postgres://db/kg?sslmode=require&password=****',
    ],
    ['postgres://db/kg', 'postgres://db/kg'],
    ['sqlite:./data/keygate.db', 'sqlite:./data/keygate.db'],
    ['not a url', MASK],
  ])('%s', (input, output) => {
    expect(maskURL(input)).toBe(output)
  })
})

describe('maskConfig()', () => {
  it('masks the pepper, secrets and passwords in URLs; keeps unset keys as null', () => {
    const config = resolveConfig({
      tokens: { pepper: 'p'.repeat(20) },
      database: { url: 'postgres://kg:s3cret@db/kg' },
      redis: { url: 'redis://:s3cret@cache:6379' },
      sessions: { keyEncryptionSecret: 'k'.repeat(32) },
      externalAuth: { enabled: true, internalToken: 'i'.repeat(40) },
    })
    const masked = maskConfig(config)
    expect(masked).toMatchObject({
      tokens: { pepper: MASK },
      database: { url: 'postgres://kg:****@db/kg', schema: null },
      redis: { url: 'redis://:****@cache:6379' },
      sessions: { keyEncryptionSecret: MASK },
      externalAuth: { internalToken: MASK, actor: 'external-auth' },
      metrics: { serviceToken: { env: 'KEYGATE_METRICS_TOKEN' } },
    })
    const text = JSON.stringify(masked)
    for (const secret of ['ppppp', 's3cret', 'kkkkk', 'iiiii']) expect(text).not.toContain(secret)
  })

  it('flattens to one row per key, in the configuration’s order', () => {
    const rows = flattenConfig(maskConfig(resolveConfig({})))
    expect(rows.slice(0, 3)).toEqual([
      { key: 'host', value: '127.0.0.1' },
      { key: 'port', value: 4400 },
      { key: 'database.url', value: 'sqlite:./data/keygate.db' },
    ])
    expect(rows.find((r) => r.key === 'scopes')).toEqual({ key: 'scopes', value: {} })
    expect(rows.find((r) => r.key === 'metrics.serviceToken')).toEqual({
      key: 'metrics.serviceToken',
      value: { env: 'KEYGATE_METRICS_TOKEN' },
    })
  })
})
