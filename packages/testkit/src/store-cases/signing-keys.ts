import { randomBytes } from 'node:crypto'
import type { SigningKeyRecord, Store } from '@keygate/server'
import { describe, expect, it } from 'vitest'
import { DAY } from './fixtures.js'

function key(generation: number, fields: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  const kid = `k-${randomBytes(6).toString('hex')}`
  const createdAt = new Date('2031-03-01T00:00:00.000Z')
  return {
    kid,
    generation,
    alg: 'EdDSA',
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: randomBytes(32).toString('base64url'), kid },
    privateJwk: JSON.stringify({ sealed: randomBytes(16).toString('base64url') }),
    createdAt,
    activatesAt: new Date(createdAt.getTime() + 3600_000),
    expiresAt: new Date(createdAt.getTime() + 30 * DAY),
    ...fields,
  }
}

/**
 * The `SigningKeyStore` part of the contract: one row per generation (the one successor of a key
 * is decided by the database), listed oldest first, every field round-tripped, expired keys deleted.
 */
export function signingKeyStoreCases(store: () => Store): void {
  describe('signing keys', () => {
    it('inserts, lists oldest generation first and round-trips every field', async () => {
      const base = ((await store().signingKeys.list()).at(-1)?.generation ?? 0) + 1
      const first = key(base)
      const second = key(base + 1)
      expect(await store().signingKeys.insert(second)).toBe(true)
      expect(await store().signingKeys.insert(first)).toBe(true)
      const listed = (await store().signingKeys.list()).filter((k) =>
        [first.kid, second.kid].includes(k.kid),
      )
      expect(listed).toEqual([first, second])
    })

    it('refuses a second key of the same generation or kid: one of concurrent inserts wins', async () => {
      const generation = ((await store().signingKeys.list()).at(-1)?.generation ?? 0) + 1
      const results = await Promise.all([
        store().signingKeys.insert(key(generation)),
        store().signingKeys.insert(key(generation)),
        store().signingKeys.insert(key(generation)),
      ])
      expect(results.filter(Boolean)).toHaveLength(1)
      const winner = (await store().signingKeys.list()).find((k) => k.generation === generation)!
      expect(await store().signingKeys.insert(key(generation + 1, { kid: winner.kid }))).toBe(false)
    })

    it('deletes the keys that stopped signing before the given time', async () => {
      const generation = ((await store().signingKeys.list()).at(-1)?.generation ?? 0) + 1
      const old = key(generation, { expiresAt: new Date('2001-01-01T00:00:00.000Z') })
      const live = key(generation + 1, { expiresAt: new Date('2099-01-01T00:00:00.000Z') })
      await store().signingKeys.insert(old)
      await store().signingKeys.insert(live)
      expect(await store().signingKeys.deleteExpired(new Date('2002-01-01T00:00:00.000Z'))).toBe(1)
      const kids = (await store().signingKeys.list()).map((k) => k.kid)
      expect(kids).not.toContain(old.kid)
      expect(kids).toContain(live.kid)
    })
  })
}
