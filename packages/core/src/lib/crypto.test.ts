import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sha256, sha256Reused, sha256Sync } from './crypto.js'

const reference = (value: string) => new Uint8Array(createHash('sha256').update(value).digest())

describe('SHA-256 helpers', () => {
  it('sha256Reused is SHA-256 of the UTF-8 string, like sha256Sync and sha256', async () => {
    expect(sha256Reused).toBeDefined()
    for (const value of [
      '',
      'a',
      'bench-secret-4b1d0e6f2c9a8b7d5e3f1a0c9b8d7e6f',
      'é—😀',
      '\u0000\u00ff',
    ]) {
      expect(Array.from(sha256Reused!(value))).toEqual(Array.from(reference(value)))
      expect(Array.from(sha256Sync!(value))).toEqual(Array.from(reference(value)))
      expect(Array.from(await sha256(value))).toEqual(Array.from(reference(value)))
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect(Array.from(sha256Reused!(value))).toEqual(Array.from(reference(value)))
      }),
    )
  })

  it('sha256Reused answers one buffer, overwritten by the next call', () => {
    const first = sha256Reused!('one')
    const copy = Array.from(first)
    const second = sha256Reused!('two')
    expect(second).toBe(first)
    expect(Array.from(second)).not.toEqual(copy)
    expect(second.length).toBe(32)
  })
})
