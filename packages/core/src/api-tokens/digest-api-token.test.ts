import { createHash, createHmac } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { digestAPIToken } from './digest-api-token.js'
import { generateAPIToken } from './generate-api-token.js'
import { generatePublicId } from './generate-public-id.js'

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

describe('generatePublicId', () => {
  it('is tok_ and 24 base62 characters, unique', () => {
    const ids = Array.from({ length: 1000 }, generatePublicId)
    for (const id of ids) expect(id).toMatch(/^tok_[0-9A-Za-z]{24}$/)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
