import { createHash, createHmac } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { digestAPIToken } from './digest-api-token.js'
import { generateAPIToken } from './generate-api-token.js'
import { generatePublicId } from './generate-public-id.js'
import { latin1DigestSync, latin1ToHex } from './lib/node-crypto.js'

describe('digestAPIToken', () => {
  const { token } = generateAPIToken()

  it('is the hex SHA-256 of the token without a pepper', async () => {
    expect(await digestAPIToken(token)).toBe(createHash('sha256').update(token).digest('hex'))
  })

  it('is the HMAC-SHA256 keyed with the pepper, which changes the digest', async () => {
    const peppered = await digestAPIToken(token, { pepper: 'pepper-1' })
    expect(peppered).toBe(createHmac('sha256', 'pepper-1').update(token).digest('hex'))
    expect(peppered).not.toBe(await digestAPIToken(token))
    expect(peppered).not.toBe(await digestAPIToken(token, { pepper: 'pepper-2' }))
    expect(peppered).toMatch(/^[0-9a-f]{64}$/)
  })

  describe('without node:crypto (Web Crypto)', () => {
    afterEach(() => {
      vi.unstubAllGlobals()
      vi.resetModules()
    })

    it('gives the same digests', async () => {
      vi.stubGlobal('process', { ...process, getBuiltinModule: undefined })
      vi.resetModules()
      const web = await import('./digest-api-token.js')
      expect(web.digestAPIToken).not.toBe(digestAPIToken)
      expect(await web.digestAPIToken(token)).toBe(await digestAPIToken(token))
      expect(await web.digestAPIToken(token, { pepper: 'p' })).toBe(
        await digestAPIToken(token, { pepper: 'p' }),
      )
    })
  })

  it('refuses an empty pepper', async () => {
    await expect(digestAPIToken(token, { pepper: '' })).rejects.toThrow(
      new TypeError('digestAPIToken(): pepper must be a non-empty string'),
    )
  })
})

describe('the latin1 digest the verification cache is keyed by', () => {
  it('is the stored hex digest once converted, with and without a pepper', async () => {
    for (let i = 0; i < 200; i++) {
      const { token } = generateAPIToken()
      for (const pepper of [undefined, `pepper-${i}`]) {
        const latin1 = latin1DigestSync(token, pepper)!
        expect(latin1).toHaveLength(32)
        expect(latin1ToHex!(latin1)).toBe(await digestAPIToken(token, { pepper }))
      }
    }
    // Every byte value, in order: 00 … ff.
    const all = String.fromCharCode(...Array.from({ length: 256 }, (_, byte) => byte))
    expect(latin1ToHex!(all)).toBe(Buffer.from(all, 'latin1').toString('hex'))
  })
})

describe('generatePublicId', () => {
  it('is tok_ and 24 base62 characters, unique', () => {
    const ids = Array.from({ length: 1000 }, generatePublicId)
    for (const id of ids) expect(id).toMatch(/^tok_[0-9A-Za-z]{24}$/)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
