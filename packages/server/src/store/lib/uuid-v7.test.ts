import { describe, expect, it } from 'vitest'
import { uuidV7 } from './uuid-v7.js'

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('uuidV7', () => {
  it('is a version 7, variant 10 UUID carrying the millisecond', () => {
    const at = Date.parse('2040-01-01T00:00:00.000Z')
    const id = uuidV7(at)
    expect(id).toMatch(V7)
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at)
  })

  it('sorts in the order made: within one millisecond, across them, and when the clock goes back', () => {
    const at = Date.parse('2041-01-01T00:00:00.000Z')
    const ids = [
      ...Array.from({ length: 5000 }, () => uuidV7(at)),
      uuidV7(at + 1),
      uuidV7(at - 10_000),
    ]
    for (const id of ids) expect(id).toMatch(V7)
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
