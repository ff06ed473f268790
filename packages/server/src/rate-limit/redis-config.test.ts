import { describe, expect, it } from 'vitest'
import { configFromEnv, resolveConfig } from '../config.js'

describe('the redis configuration key', () => {
  it('defaults to no Redis and the keygate: prefix', () => {
    expect(resolveConfig({}).redis).toEqual({ url: undefined, keyPrefix: 'keygate:' })
  })

  it('reads KEYGATE_REDIS_URL and KEYGATE_REDIS_KEY_PREFIX', () => {
    const input = configFromEnv({
      KEYGATE_REDIS_URL: 'redis://:s3cret@redis.internal:6379/2',
      KEYGATE_REDIS_KEY_PREFIX: 'acme:kg:',
    })
    expect(resolveConfig(input).redis).toEqual({
      url: 'redis://:s3cret@redis.internal:6379/2',
      keyPrefix: 'acme:kg:',
    })
  })

  it('names the bad key without quoting the URL (it may hold a password)', () => {
    expect(() => resolveConfig({ redis: { url: 'http://:s3cret@redis:6379' } })).toThrow(
      /^keygate config: redis\.url must be redis:\/\/host:port or rediss:\/\/host:port$/,
    )
    expect(() => resolveConfig({ redis: { keyPrefix: 'has space' } })).toThrow(
      'keygate config: redis.keyPrefix must be 1-64 of [A-Za-z0-9_.:-]',
    )
    expect(() => resolveConfig({ redis: { host: 'x' } as never })).toThrow(
      'keygate config: redis.host is not a known option',
    )
  })
})
