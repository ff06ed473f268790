import type { Store } from '@keygate/server'
import { describe, expect, it } from 'vitest'
import { digest } from './fixtures.js'

/**
 * The `SetupStore` part of the contract: at most one pending code, replaced by the next; exactly
 * one of concurrent claims wins, and only of the right, unexpired, unclaimed code; release and
 * clear.
 */
export function setupStoreCases(store: () => Store): void {
  describe('setup code', () => {
    const createdAt = new Date('2031-04-01T10:00:00.000Z')
    const expiresAt = new Date('2031-04-01T11:00:00.000Z')
    const during = new Date('2031-04-01T10:30:00.000Z')

    it('keeps one pending code: put replaces it, clear removes it', async () => {
      await store().setup.clear()
      expect(await store().setup.get()).toBeUndefined()
      const first = digest()
      await store().setup.put({ digest: first, createdAt, expiresAt })
      expect(await store().setup.get()).toEqual({
        digest: first,
        createdAt,
        expiresAt,
        claimedAt: null,
      })
      const second = digest()
      await store().setup.put({ digest: second, createdAt, expiresAt })
      expect((await store().setup.get())?.digest).toBe(second)
      await store().setup.clear()
      expect(await store().setup.get()).toBeUndefined()
    })

    it('lets exactly one of concurrent claims win; release makes the code usable again', async () => {
      const code = digest()
      await store().setup.put({ digest: code, createdAt, expiresAt })
      const results = await Promise.all(
        Array.from({ length: 5 }, () => store().setup.claim(code, during)),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
      expect((await store().setup.get())?.claimedAt).toEqual(during)
      expect(await store().setup.claim(code, during)).toBe(false)
      await store().setup.release(code)
      expect((await store().setup.get())?.claimedAt).toBeNull()
      expect(await store().setup.claim(code, during)).toBe(true)
      await store().setup.clear()
    })

    it('refuses a claim with another digest or after expiry', async () => {
      const code = digest()
      await store().setup.put({ digest: code, createdAt, expiresAt })
      expect(await store().setup.claim(digest(), during)).toBe(false)
      expect(await store().setup.claim(code, expiresAt)).toBe(false)
      expect(await store().setup.claim(code, new Date('2031-04-02T00:00:00.000Z'))).toBe(false)
      expect((await store().setup.get())?.claimedAt).toBeNull()
      await store().setup.clear()
    })
  })
}
