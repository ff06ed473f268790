import type { APIToken, Store } from '@keygate/server'
import { describe, expect, it } from 'vitest'
import { digest, fixtures, rejection } from './fixtures.js'

/** The `TokenStore` part of the contract: create, verify by digest, revoke, rotation grace, last-used, pagination. */
export function tokenStoreCases(store: () => Store): void {
  const { user, token } = fixtures(store)
  // Every lookup by digest also through the verification's narrow read, and its synchronous
  // form where the store has one (SQLite on a file): all must always agree.
  async function findByDigest(digestValue: string, now: Date) {
    const tokens = store().tokens
    const found = await tokens.findByDigest(digestValue, now)
    const verification = found && {
      id: found.token.id,
      userId: found.token.userId,
      scopes: found.token.scopes,
      expiresAt: found.token.expiresAt,
      revokedAt: found.token.revokedAt,
      ...(found.graceUntil !== undefined && { graceUntil: found.graceUntil }),
      ownerRole: found.user.role,
      ownerDisabled: found.user.disabled,
    }
    expect(await tokens.verifyByDigest(digestValue, now)).toStrictEqual(verification)
    if (tokens.verifyByDigestSync !== undefined) {
      expect(tokens.verifyByDigestSync(digestValue, now)).toStrictEqual(verification)
    }
    return found
  }
  describe('tokens', () => {
    it('creates a token and round-trips every field', async () => {
      const owner = await user()
      const expiresAt = new Date('2031-05-06T07:08:09.123Z')
      const created = await token(owner.id, {
        name: 'ci',
        scopes: ['tokens:read', 'runs:write'],
        expiresAt,
      })
      expect(created).toMatchObject({
        id: expect.stringMatching(/^tok_[0-9A-Za-z]{24}$/),
        userId: owner.id,
        name: 'ci',
        scopes: ['tokens:read', 'runs:write'],
        hint: `kg_…${created.digest.slice(-4)}`,
        expiresAt,
        lastUsedAt: null,
        revokedAt: null,
        graceUntil: null,
      })
      const { digest: _, ...metadata } = created
      expect(await store().tokens.findById(created.id)).toEqual(metadata)
      const found = await findByDigest(created.digest, new Date())
      expect(found?.token).toEqual(metadata)
      expect(found?.user).toEqual(owner)
      expect(found?.graceUntil).toBeUndefined()
      expect(JSON.stringify(metadata)).not.toContain(created.digest)
    })

    it('round-trips empty scopes and finds nothing for unknown digests or ids', async () => {
      const owner = await user()
      const created = await token(owner.id, { scopes: [] })
      expect((await store().tokens.findById(created.id))?.scopes).toEqual([])
      expect(await findByDigest(digest(), new Date())).toBeUndefined()
      expect(await store().tokens.findById('tok_doesnotexist000000000')).toBeUndefined()
      expect(await store().tokens.findById("' or 1=1 --")).toBeUndefined()
    })

    it('returns revoked and expired tokens from findByDigest (the caller decides)', async () => {
      const owner = await user()
      const expired = await token(owner.id, { expiresAt: new Date(Date.now() - 1000) })
      const revoked = await token(owner.id)
      await store().tokens.revoke(revoked.id, new Date())
      expect((await findByDigest(expired.digest, new Date()))?.token.id).toBe(expired.id)
      expect((await findByDigest(revoked.digest, new Date()))?.token.revokedAt).toEqual(
        expect.any(Date),
      )
      await store().users.update(owner.id, { disabled: true })
      expect((await findByDigest(expired.digest, new Date()))?.user.disabled).toBe(true)
    })

    it('keeps names unique per live token of a user, reusable after revocation', async () => {
      const owner = await user()
      const other = await user()
      const first = await token(owner.id, { name: 'deploy' })
      const dup = await rejection(token(owner.id, { name: 'deploy' }))
      expect(dup).toMatchObject({
        name: 'ConflictError',
        field: 'name',
        message: 'name already exists',
      })
      await token(other.id, { name: 'deploy' })
      expect(await store().tokens.revoke(first.id, new Date())).toBe(true)
      const reused = await token(owner.id, { name: 'deploy' })
      expect(reused.id).not.toBe(first.id)
      // The revoked token keeps its name; two revoked tokens may share it too.
      await store().tokens.revoke(reused.id, new Date())
      expect((await store().tokens.findById(first.id))?.name).toBe('deploy')
      await token(owner.id, { name: 'deploy' })
    })

    it('refuses a duplicate digest with ConflictError', async () => {
      const owner = await user()
      const first = await token(owner.id)
      const error = await rejection(token(owner.id, { digest: first.digest }))
      expect(error).toMatchObject({ name: 'ConflictError', field: 'digest' })
    })

    it('revokes once: true, then false; unknown ids are false', async () => {
      const owner = await user()
      const created = await token(owner.id)
      const at = new Date('2030-02-03T04:05:06.789Z')
      expect(await store().tokens.revoke(created.id, at)).toBe(true)
      expect(await store().tokens.revoke(created.id, new Date())).toBe(false)
      expect((await store().tokens.findById(created.id))?.revokedAt).toEqual(at)
      expect(await store().tokens.revoke('tok_unknown0000000000000000', at)).toBe(false)
    })

    it('lets exactly one of 20 concurrent revocations win', async () => {
      const owner = await user()
      const created = await token(owner.id)
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store().tokens.revoke(created.id, new Date(Date.now() + i)),
        ),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
    })

    it('revokes every live token of a user, and only those', async () => {
      const owner = await user()
      const bystander = await user()
      const a = await token(owner.id)
      await token(owner.id)
      await token(owner.id)
      const kept = await token(bystander.id)
      await store().tokens.revoke(a.id, new Date())
      expect(await store().tokens.revokeAllForUser(owner.id, new Date())).toBe(2)
      expect(await store().tokens.revokeAllForUser(owner.id, new Date())).toBe(0)
      const page = await store().tokens.listByUser(owner.id)
      expect(page.items.every((t) => t.revokedAt !== null)).toBe(true)
      expect((await store().tokens.findById(kept.id))?.revokedAt).toBeNull()
    })

    it('rotates: new digest at once, the old one only until graceUntil', async () => {
      const owner = await user()
      const created = await token(owner.id, { scopes: ['a:b'] })
      const now = new Date()
      const graceUntil = new Date(now.getTime() + 60_000)
      const next = digest()
      const rotated = await store().tokens.rotate(created.id, {
        digest: next,
        hint: 'kg_…NEW1',
        graceUntil,
      })
      expect(rotated).toMatchObject({
        id: created.id,
        hint: 'kg_…NEW1',
        scopes: ['a:b'],
        name: created.name,
        graceUntil,
      })
      expect((await store().tokens.findById(created.id))?.graceUntil).toEqual(graceUntil)
      expect(await findByDigest(next, now)).toMatchObject({
        token: { id: created.id },
      })
      expect((await findByDigest(next, now))?.graceUntil).toBeUndefined()
      expect(await findByDigest(created.digest, now)).toMatchObject({
        token: { id: created.id, hint: 'kg_…NEW1' },
        graceUntil,
      })
      expect(await findByDigest(created.digest, new Date(graceUntil.getTime() - 1))).toBeDefined()
      expect(await findByDigest(created.digest, graceUntil)).toBeUndefined()
      expect(await findByDigest(created.digest, new Date(graceUntil.getTime() + 1))).toBeUndefined()
      expect(await findByDigest(next, new Date(graceUntil.getTime() + 1))).toBeDefined()

      // A second rotation retires the first secret at once.
      const third = digest()
      await store().tokens.rotate(created.id, { digest: third, hint: 'kg_…NEW2', graceUntil })
      expect(await findByDigest(created.digest, now)).toBeUndefined()
      expect(await findByDigest(next, now)).toMatchObject({ graceUntil })
    })

    it('with `now`, does not rotate a token whose previous secret is still valid (compare-and-set)', async () => {
      const owner = await user()
      const created = await token(owner.id)
      const now = new Date()
      const graceUntil = new Date(now.getTime() + 60_000)
      const first = digest()
      const rotated = await store().tokens.rotate(created.id, {
        digest: first,
        hint: 'kg_…ONE1',
        graceUntil,
        now,
      })
      expect(rotated?.graceUntil).toEqual(graceUntil)
      // Two more, concurrently: the grace period runs, so neither goes through.
      const inputs = [digest(), digest()].map((d) => ({
        digest: d,
        hint: 'kg_…TWO2',
        graceUntil,
        now,
      }))
      expect(await Promise.all(inputs.map((i) => store().tokens.rotate(created.id, i)))).toEqual([
        undefined,
        undefined,
      ])
      expect(await findByDigest(created.digest, now)).toMatchObject({ graceUntil })
      expect(await findByDigest(first, now)).toBeDefined()
      // Once it is over, a rotation goes through again.
      const later = new Date(graceUntil.getTime() + 1)
      expect(
        await store().tokens.rotate(created.id, {
          ...inputs[0]!,
          graceUntil: later,
          now: graceUntil,
        }),
      ).toMatchObject({ id: created.id })
    })

    it('does not rotate a revoked or unknown token', async () => {
      const owner = await user()
      const created = await token(owner.id)
      await store().tokens.revoke(created.id, new Date())
      const input = { digest: digest(), hint: 'kg_…x', graceUntil: new Date(Date.now() + 1000) }
      expect(await store().tokens.rotate(created.id, input)).toBeUndefined()
      expect(await store().tokens.rotate('tok_unknown0000000000000000', input)).toBeUndefined()
      expect(await findByDigest(input.digest, new Date())).toBeUndefined()
    })

    it('writes a batch of last-used times: latest wins, never backwards, unknown ids ignored', async () => {
      const owner = await user()
      const [a, b, c] = [await token(owner.id), await token(owner.id), await token(owner.id)]
      const t1 = new Date('2030-01-01T00:00:01.001Z')
      const t2 = new Date('2030-01-01T00:00:02.002Z')
      await store().tokens.touchLastUsed([
        { id: a.id, at: t1 },
        { id: b.id, at: t2 },
        { id: a.id, at: t2 },
        { id: a.id, at: t1 },
        { id: 'tok_unknown0000000000000000', at: t1 },
      ])
      expect((await store().tokens.findById(a.id))?.lastUsedAt).toEqual(t2)
      expect((await store().tokens.findById(b.id))?.lastUsedAt).toEqual(t2)
      expect((await store().tokens.findById(c.id))?.lastUsedAt).toBeNull()
      await store().tokens.touchLastUsed([{ id: a.id, at: t1 }])
      expect((await store().tokens.findById(a.id))?.lastUsedAt).toEqual(t2)
      await store().tokens.touchLastUsed([])
    })

    it('writes a large batch (over one statement’s chunk)', async () => {
      const owner = await user()
      const created = await Promise.all(Array.from({ length: 5 }, () => token(owner.id)))
      const at = new Date('2030-03-03T03:03:03.333Z')
      const entries = Array.from({ length: 2500 }, (_, i) => ({ id: `tok_missing${i}`, at }))
      entries.push(...created.map((t) => ({ id: t.id, at })))
      await store().tokens.touchLastUsed(entries)
      for (const t of created) expect((await store().tokens.findById(t.id))?.lastUsedAt).toEqual(at)
    })

    it('pages 45 tokens by 20: every token once, newest first, then no cursor', async () => {
      const owner = await user()
      const other = await user()
      await token(other.id)
      const ids = new Set<string>()
      for (let i = 0; i < 45; i++) ids.add((await token(owner.id)).id)
      const seen: APIToken[] = []
      const sizes: number[] = []
      let cursor: string | undefined
      do {
        const page = await store().tokens.listByUser(owner.id, { cursor, limit: 20 })
        sizes.push(page.items.length)
        seen.push(...page.items)
        cursor = page.nextCursor
        if (cursor !== undefined) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
      } while (cursor !== undefined)
      expect(sizes).toEqual([20, 20, 5])
      expect(seen.map((t) => t.id).sort()).toEqual([...ids].sort())
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i - 1]!.createdAt.getTime()).toBeGreaterThanOrEqual(
          seen[i]!.createdAt.getTime(),
        )
      }
      // The same order as one big page: stable.
      const whole = await store().tokens.listByUser(owner.id, { limit: 100 })
      expect(whole.items.map((t) => t.id)).toEqual(seen.map((t) => t.id))
      expect(whole.nextCursor).toBeUndefined()
    })

    it('clamps the limit to 1..100 and defaults to 20', async () => {
      const owner = await user()
      for (let i = 0; i < 22; i++) await token(owner.id)
      expect((await store().tokens.listByUser(owner.id)).items).toHaveLength(20)
      expect((await store().tokens.listByUser(owner.id, { limit: 0 })).items).toHaveLength(1)
      expect((await store().tokens.listByUser(owner.id, { limit: -5 })).items).toHaveLength(1)
      expect((await store().tokens.listByUser(owner.id, { limit: 1000 })).items).toHaveLength(22)
      expect((await store().tokens.listAll({ limit: 1000 })).items.length).toBeLessThanOrEqual(100)
    })

    it('lists every user’s tokens with listAll', async () => {
      const a = await user()
      const b = await user()
      const ta = await token(a.id)
      const tb = await token(b.id)
      const seen = new Set<string>()
      let cursor: string | undefined
      do {
        const page = await store().tokens.listAll({ cursor, limit: 50 })
        for (const t of page.items) seen.add(t.id)
        cursor = page.nextCursor
      } while (cursor !== undefined)
      expect(seen.has(ta.id) && seen.has(tb.id)).toBe(true)
    })

    it('refuses a cursor it did not issue with InvalidCursorError', async () => {
      const owner = await user()
      for (const cursor of [
        'garbage!',
        'bm90IGpzb24',
        Buffer.from('[1,"x"]').toString('base64url'),
        '',
      ]) {
        const error = await rejection(store().tokens.listByUser(owner.id, { cursor }))
        expect(error).toMatchObject({ name: 'InvalidCursorError', code: 'invalid_cursor' })
      }
      const userCursor = Buffer.from(JSON.stringify([Date.now(), 'tok_abc'])).toString('base64url')
      const error = await rejection(store().users.list({ cursor: userCursor }))
      expect(error).toMatchObject({ name: 'InvalidCursorError' })
    })
  })
}
