import { describe, expect, it, vi } from 'vitest'
import { env, staticSecrets } from './env.js'

const signal = new AbortController().signal

describe('env()', () => {
  it('reads one value', async () => {
    expect(await env('TOKEN', { env: { TOKEN: 'abc' } }).load({ signal })).toEqual([
      { value: 'abc', label: 'current' },
    ])
  })

  it('reads several comma-separated values for a rotation overlap, trimming spaces', async () => {
    expect(await env('TOKEN', { env: { TOKEN: ' new , old,,' } }).load({ signal })).toEqual([
      { value: 'new', label: 'current' },
      { value: 'old', label: 'additional' },
    ])
  })

  it('treats an unset or empty variable as "unset" (no secrets), not a failure', async () => {
    expect(await env('TOKEN', { env: {} }).load({ signal })).toEqual([])
    expect(await env('TOKEN', { env: { TOKEN: '' } }).load({ signal })).toEqual([])
    expect(await env('TOKEN', { env: { TOKEN: ' , ' } }).load({ signal })).toEqual([])
  })

  it('reads process.env at every load, so a reload sees a change', async () => {
    const source = env('KEYGATE_ENV_SOURCE_TEST')
    vi.stubEnv('KEYGATE_ENV_SOURCE_TEST', 'first')
    try {
      expect(await source.load({ signal })).toMatchObject([{ value: 'first' }])
      vi.stubEnv('KEYGATE_ENV_SOURCE_TEST', 'second')
      expect(await source.load({ signal })).toMatchObject([{ value: 'second' }])
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('is named after the variable, never its value', () => {
    expect(env('TOKEN', { env: { TOKEN: 'hidden' } }).name).toBe('env:TOKEN')
  })

  it('throws a TypeError for an empty name', () => {
    expect(() => env('')).toThrow(new TypeError('env(): name must be a non-empty string'))
  })
})

describe('staticSecrets()', () => {
  it('yields the given values', async () => {
    expect(await staticSecrets(['a', 'b']).load({ signal })).toEqual([
      { value: 'a' },
      { value: 'b' },
    ])
    expect(await staticSecrets([]).load({ signal })).toEqual([])
  })

  it('throws a TypeError for an empty secret', () => {
    expect(() => staticSecrets(['a', ''])).toThrow(
      new TypeError('staticSecrets(): every secret must be a non-empty string'),
    )
  })
})
