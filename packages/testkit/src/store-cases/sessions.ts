import { randomBytes } from 'node:crypto'
import type { Store } from '@keygate/server'
import { describe, expect, it } from 'vitest'
import { DAY, fixtures } from './fixtures.js'

function jti(): string {
  return randomBytes(16).toString('base64url')
}

/** The `SessionStore` part of the contract: create, find with its user, revoke, expire. */
export function sessionStoreCases(store: () => Store): void {
  const { user } = fixtures(store)
  describe('sessions', () => {
    it('creates a session and finds it with its user', async () => {
      const owner = await user({ role: 'admin' })
      const id = jti()
      const expiresAt = new Date(Date.now() + 900_000)
      const created = await store().sessions.create({ id, userId: owner.id, expiresAt })
      expect(created).toMatchObject({ id, userId: owner.id, expiresAt, revokedAt: null })
      expect(created.createdAt).toBeInstanceOf(Date)
      const found = await store().sessions.find(id)
      expect(found?.session).toEqual(created)
      expect(found?.user).toMatchObject({ id: owner.id, role: 'admin', disabled: false })
      expect(await store().sessions.find(jti())).toBeUndefined()
    })

    it('revokes once: the first call is true, the next false, and revokedAt stays', async () => {
      const owner = await user()
      const id = jti()
      await store().sessions.create({ id, userId: owner.id, expiresAt: new Date(Date.now() + DAY) })
      const at = new Date('2031-01-02T03:04:05.678Z')
      const results = await Promise.all([
        store().sessions.revoke(id, at),
        store().sessions.revoke(id, at),
      ])
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(await store().sessions.revoke(id, new Date())).toBe(false)
      expect((await store().sessions.find(id))?.session.revokedAt).toEqual(at)
      expect(await store().sessions.revoke(jti(), at)).toBe(false)
    })

    it("revokes every live session of one user, and no one else's", async () => {
      const [owner, other] = await Promise.all([user(), user()])
      const expiresAt = new Date(Date.now() + DAY)
      const mine = [jti(), jti(), jti()]
      for (const id of mine) await store().sessions.create({ id, userId: owner.id, expiresAt })
      const theirs = jti()
      await store().sessions.create({ id: theirs, userId: other.id, expiresAt })
      await store().sessions.revoke(mine[0]!, new Date())
      expect(await store().sessions.revokeAllForUser(owner.id, new Date())).toBe(2)
      for (const id of mine) {
        expect((await store().sessions.find(id))?.session.revokedAt).not.toBeNull()
      }
      expect((await store().sessions.find(theirs))?.session.revokedAt).toBeNull()
    })

    it('deletes the sessions that expired before the given time, only those', async () => {
      const owner = await user()
      const old = jti()
      const live = jti()
      await store().sessions.create({
        id: old,
        userId: owner.id,
        expiresAt: new Date(Date.now() - 2 * DAY),
      })
      await store().sessions.create({
        id: live,
        userId: owner.id,
        expiresAt: new Date(Date.now() + DAY),
      })
      expect(
        await store().sessions.deleteExpired(new Date(Date.now() - DAY)),
      ).toBeGreaterThanOrEqual(1)
      expect(await store().sessions.find(old)).toBeUndefined()
      expect(await store().sessions.find(live)).toBeDefined()
    })
  })
}
