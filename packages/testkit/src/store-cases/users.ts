import { randomBytes, randomUUID } from 'node:crypto'
import type { Store, User } from '@keygate/server'
import { describe, expect, it } from 'vitest'
import { email, fixtures, rejection } from './fixtures.js'

/** The `UserStore` part of the contract: create, find, normalise, uniqueness, update, upsert, list. */
export function userStoreCases(store: () => Store): void {
  const { user } = fixtures(store)
  describe('users', () => {
    it('creates a user with a UUID and a normalised email, and finds it', async () => {
      const before = Date.now()
      const address = email()
      const created = await store().users.create({
        email: `  ${address.toUpperCase()} `,
        passwordHash: 'hash',
        role: 'admin',
      })
      expect(created).toEqual({
        id: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        ),
        email: address,
        slug: null,
        passwordHash: 'hash',
        role: 'admin',
        disabled: false,
        createdAt: expect.any(Date),
        updatedAt: expect.any(Date),
      })
      expect(created.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000)
      expect(await store().users.findById(created.id)).toEqual(created)
      expect(await store().users.findByEmail(address.toUpperCase())).toEqual(created)
    })

    it('keeps a given id, and finds nothing for unknown or malformed ids', async () => {
      const id = randomUUID()
      const created = await store().users.create({
        id,
        email: email(),
        passwordHash: null,
        role: 'user',
      })
      expect(created.id).toBe(id)
      expect((await store().users.findById(id))?.passwordHash).toBeNull()
      expect(await store().users.findById(randomUUID())).toBeUndefined()
      expect(await store().users.findById('not-a-uuid')).toBeUndefined()
      // UUIDs compare case-insensitively: the upper-case spelling is the same user.
      expect((await store().users.findById(id.toUpperCase()))?.id).toBe(id)
      expect(await store().users.findById("' or 1=1 --")).toBeUndefined()
      expect(await store().users.findByEmail('nobody@example.com')).toBeUndefined()
    })

    it('refuses a duplicate email (any case) and a duplicate slug with ConflictError', async () => {
      const first = await user({ slug: `slug-${randomBytes(4).toString('hex')}` })
      const dupEmail = await rejection(
        store().users.create({
          email: first.email.toUpperCase(),
          passwordHash: null,
          role: 'user',
        }),
      )
      expect(dupEmail).toMatchObject({
        name: 'ConflictError',
        field: 'email',
        message: 'email already exists',
      })
      const dupSlug = await rejection(
        store().users.create({
          email: email(),
          passwordHash: null,
          role: 'user',
          slug: first.slug,
        }),
      )
      expect(dupSlug).toMatchObject({ name: 'ConflictError', field: 'slug' })
      const dupId = await rejection(
        store().users.create({ id: first.id, email: email(), passwordHash: null, role: 'user' }),
      )
      expect(dupId).toMatchObject({ name: 'ConflictError', field: 'id' })
      // Many users without a slug are fine.
      await user()
      await user()
    })

    it('updates only the fields given', async () => {
      const created = await user()
      const updated = await store().users.update(created.id, { role: 'admin', disabled: true })
      expect(updated).toMatchObject({
        id: created.id,
        email: created.email,
        passwordHash: created.passwordHash,
        role: 'admin',
        disabled: true,
      })
      expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime())
      const renamed = await store().users.update(created.id, {
        email: ' New-' + created.email,
        slug: 'x' + created.id,
      })
      expect(renamed).toMatchObject({
        email: 'new-' + created.email,
        role: 'admin',
        disabled: true,
      })
      expect(
        await store().users.update(created.id, { slug: null, passwordHash: null }),
      ).toMatchObject({
        slug: null,
        passwordHash: null,
      })
      expect(await store().users.findById(created.id)).toMatchObject({
        role: 'admin',
        disabled: true,
      })
      expect(await store().users.update(randomUUID(), { role: 'admin' })).toBeUndefined()
      expect(await store().users.update('nope', { role: 'admin' })).toBeUndefined()
    })

    it('refuses an update to a taken email with ConflictError', async () => {
      const a = await user()
      const b = await user()
      const error = await rejection(store().users.update(b.id, { email: a.email }))
      expect(error).toMatchObject({ name: 'ConflictError', field: 'email' })
      expect((await store().users.findById(b.id))?.email).toBe(b.email)
    })

    it('upserts idempotently by id, never overwriting fields not sent', async () => {
      const id = randomUUID()
      const address = email()
      const first = await store().users.upsert(id, { email: address, slug: `s-${id}` })
      expect(first.created).toBe(true)
      expect(first.user).toMatchObject({
        id,
        email: address,
        slug: `s-${id}`,
        role: 'user',
        passwordHash: null,
      })
      const again = await store().users.upsert(id, { email: address, slug: `s-${id}` })
      expect(again).toEqual({ user: first.user, created: false })

      await store().users.update(id, { role: 'admin', passwordHash: 'kept' })
      const moved = await store().users.upsert(id, { email: `moved-${address}`, slug: `t-${id}` })
      expect(moved.created).toBe(false)
      expect(moved.user).toMatchObject({
        email: `moved-${address}`,
        slug: `t-${id}`,
        role: 'admin',
        passwordHash: 'kept',
      })
      const demoted = await store().users.upsert(id, {
        email: `moved-${address}`,
        slug: `t-${id}`,
        role: 'user',
      })
      expect(demoted.user.role).toBe('user')
      expect(await store().users.findById(id)).toEqual(demoted.user)
    })

    it('answers concurrent upserts of one new id with exactly one creation', async () => {
      const id = randomUUID()
      const address = email()
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          store().users.upsert(id, { email: address, slug: `c-${id}` }),
        ),
      )
      expect(results.filter((r) => r.created)).toHaveLength(1)
      expect(new Set(results.map((r) => r.user.id))).toEqual(new Set([id]))
    })

    it('refuses an upsert onto another user’s email with ConflictError', async () => {
      const taken = await user()
      const error = await rejection(
        store().users.upsert(randomUUID(), { email: taken.email, slug: `u-${randomUUID()}` }),
      )
      expect(error).toMatchObject({ name: 'ConflictError', field: 'email' })
    })

    it('counts users, and lists them all through pages, newest first', async () => {
      const before = await store().users.count()
      for (let i = 0; i < 3; i++) await user()
      const total = await store().users.count()
      expect(total).toBe(before + 3)
      const seen: User[] = []
      let cursor: string | undefined
      do {
        const page = await store().users.list({ cursor, limit: 4 })
        expect(page.items.length).toBeLessThanOrEqual(4)
        seen.push(...page.items)
        cursor = page.nextCursor
      } while (cursor !== undefined)
      expect(seen).toHaveLength(total)
      expect(new Set(seen.map((u) => u.id)).size).toBe(total)
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i - 1]!.createdAt.getTime()).toBeGreaterThanOrEqual(
          seen[i]!.createdAt.getTime(),
        )
      }
    })
  })
}
