import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { apiTokenRegex } from './api-token-regex.js'
import { generateAPIToken } from './generate-api-token.js'
import { parseAPIToken } from './parse-api-token.js'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

describe('generateAPIToken', () => {
  it('produces <prefix>_<30 random><6 checksum> with a hint of the last 4 characters', () => {
    const { token, hint } = generateAPIToken()
    expect(token).toMatch(/^kg_[0-9A-Za-z]{36}$/)
    expect(hint).toBe(`kg_…${token.slice(-4)}`)
    expect(parseAPIToken(token)).toMatchObject({ ok: true, prefix: 'kg' })
  })

  it('accepts a cue_sk style prefix', () => {
    const { token, hint } = generateAPIToken({ prefix: 'cue_sk' })
    expect(token).toMatch(/^cue_sk_[0-9A-Za-z]{36}$/)
    expect(hint.startsWith('cue_sk_…')).toBe(true)
    expect(parseAPIToken(token, { prefix: 'cue_sk' }).ok).toBe(true)
  })

  it('never repeats and uses the whole alphabet', () => {
    const tokens = Array.from({ length: 2000 }, () => generateAPIToken().token)
    expect(new Set(tokens).size).toBe(tokens.length)
    const seen = new Set(tokens.flatMap((t) => [...t.slice(3, 33)]))
    expect(seen.size).toBe(62)
  })

  it.each(['', 'KG', 'kg-x', 'a'.repeat(17), 'kg ', 'é'])('refuses the prefix %j', (prefix) => {
    expect(() => generateAPIToken({ prefix })).toThrow(
      new TypeError(
        `generateAPIToken(): prefix must be 1 to 16 lower-case letters, digits or "_" (got ${JSON.stringify(prefix)})`,
      ),
    )
  })
})

describe('parseAPIToken', () => {
  const { token } = generateAPIToken()

  it('calls a token of another prefix foreign', () => {
    expect(parseAPIToken(token, { prefix: 'cue_sk' })).toEqual({ ok: false, reason: 'foreign' })
    expect(parseAPIToken(generateAPIToken({ prefix: 'kg_sk' }).token)).toEqual({
      ok: false,
      reason: 'foreign',
    })
    expect(parseAPIToken('not-a-token')).toEqual({ ok: false, reason: 'foreign' })
    expect(parseAPIToken('')).toEqual({ ok: false, reason: 'foreign' })
  })

  it('calls a wrong length or alphabet malformed', () => {
    expect(parseAPIToken(token.slice(0, -1))).toEqual({ ok: false, reason: 'malformed' })
    expect(parseAPIToken(`${token}A`)).toEqual({ ok: false, reason: 'malformed' })
    expect(parseAPIToken(`${token.slice(0, -1)}-`)).toEqual({ ok: false, reason: 'malformed' })
    expect(parseAPIToken('kg_')).toEqual({ ok: false, reason: 'malformed' })
  })

  it('catches every single-character substitution (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('kg', 'cue_sk', 'x', 'a_b_c'),
        fc.nat(),
        fc.nat(),
        (prefix, at, by) => {
          const good = generateAPIToken({ prefix }).token
          const start = prefix.length + 1
          const index = start + (at % (good.length - start))
          const current = BASE62.indexOf(good[index]!)
          const replacement = BASE62[(current + 1 + (by % 61)) % 62]!
          const bad = good.slice(0, index) + replacement + good.slice(index + 1)
          expect(bad).not.toBe(good)
          expect(parseAPIToken(bad, { prefix })).toEqual({ ok: false, reason: 'checksum' })
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('catches adjacent transpositions (property)', () => {
    fc.assert(
      fc.property(fc.nat(), (at) => {
        const good = generateAPIToken().token
        const index = 3 + (at % (good.length - 4))
        if (good[index] === good[index + 1]) return
        const bad = good.slice(0, index) + good[index + 1] + good[index] + good.slice(index + 2)
        expect(parseAPIToken(bad).ok).toBe(false)
      }),
      { numRuns: 1000 },
    )
  })

  it('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (input) => {
        const parsed = parseAPIToken(input)
        expect(typeof parsed.ok).toBe('boolean')
      }),
    )
  })

  it('refuses a bad prefix option', () => {
    expect(() => parseAPIToken(token, { prefix: 'KG' })).toThrow(TypeError)
  })
})

describe('apiTokenRegex', () => {
  it('matches generated tokens inside text, and nothing glued to them', () => {
    const { token } = generateAPIToken({ prefix: 'cue_sk' })
    expect(apiTokenRegex('cue_sk').source).toBe('\\bcue_sk_[0-9A-Za-z]{36}\\b')
    expect(apiTokenRegex('cue_sk').test(`export TOKEN="${token}"\n`)).toBe(true)
    expect(apiTokenRegex('cue_sk').test(`x${token}`)).toBe(false)
    expect(apiTokenRegex('cue_sk').test(`${token}x`)).toBe(false)
    const found = [
      ...`a ${token} b ${token}`.matchAll(apiTokenRegex({ prefix: 'cue_sk', flags: 'g' })),
    ]
    expect(found.map((m) => m[0])).toEqual([token, token])
  })

  it('defaults to kg and validates the prefix', () => {
    expect(apiTokenRegex().test(generateAPIToken().token)).toBe(true)
    expect(() => apiTokenRegex('K.G')).toThrow(TypeError)
  })
})
