import { randomUUID } from 'node:crypto'
import type { AuditEvent, NewAuditEvent, Store } from '@keygate/server'
import { describe, expect, it } from 'vitest'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

function event(fields: Partial<NewAuditEvent> = {}): NewAuditEvent {
  return {
    at: new Date(),
    action: 'token.created',
    actor: { kind: 'user', id: randomUUID() },
    userId: randomUUID(),
    tokenId: 'tok_0000000000000000000000aa',
    clientIp: '203.0.113.9',
    requestId: 'req_0123456789abcdef',
    details: {},
    ...fields,
  }
}

async function all(
  store: Store,
  options: Parameters<Store['audit']['list']>[0] = {},
): Promise<AuditEvent[]> {
  const seen: AuditEvent[] = []
  let cursor: string | undefined
  do {
    const page = await store.audit.list({ ...options, cursor, limit: 3 })
    seen.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return seen
}

/** The audit-log part of `runStoreConformance`: append, round trip, filters and paging. */
export function auditStoreCases(store: () => Store): void {
  describe('audit', () => {
    it('appends events and round-trips every field, with time-ordered v7 ids', async () => {
      const at = new Date('2031-02-03T04:05:06.789Z')
      const written = await store().audit.append([
        event({
          at,
          action: 'user.changed',
          actor: { kind: 'service', id: 'gateway' },
          details: { role: { from: 'user', to: 'admin' }, revoked_tokens: 2, note: 'é ✓' },
        }),
        event({ at, action: 'login.failed', actor: { kind: 'anonymous', id: null }, userId: null }),
      ])
      expect(written).toHaveLength(2)
      const [first, second] = written as [AuditEvent, AuditEvent]
      expect(first.id).toMatch(UUID_V7)
      expect(second.id > first.id).toBe(true)
      expect(first).toMatchObject({
        at,
        action: 'user.changed',
        actor: { kind: 'service', id: 'gateway' },
        tokenId: 'tok_0000000000000000000000aa',
        clientIp: '203.0.113.9',
        requestId: 'req_0123456789abcdef',
        details: { role: { from: 'user', to: 'admin' }, revoked_tokens: 2, note: 'é ✓' },
      })
      const listed = await store().audit.list({ since: at, until: new Date(at.getTime() + 1) })
      expect(listed.items).toEqual([second, first])
      expect(listed.nextCursor).toBeUndefined()
      expect(await store().audit.append([])).toEqual([])
    })

    it('keeps a given id and stores user ids lower-cased', async () => {
      const id = '01890a5d-ac96-774b-bcce-b302099a8057'
      const userId = randomUUID()
      const [written] = await store().audit.append([
        event({ id, userId: userId.toUpperCase(), tokenId: null, clientIp: null, requestId: null }),
      ])
      expect(written).toMatchObject({ id, userId, tokenId: null, clientIp: null, requestId: null })
      expect((await store().audit.list({ userId: userId.toUpperCase() })).items).toEqual([written])
    })

    it('lists newest first through pages, filtered by user, actor, action and time', async () => {
      const user = randomUUID()
      const actor = randomUUID()
      const t0 = Date.parse('2032-01-01T00:00:00.000Z')
      const at = (s: number) => new Date(t0 + s * 1000)
      const written = await store().audit.append([
        event({ at: at(0), userId: user, action: 'token.created' }),
        event({
          at: at(1),
          userId: user,
          action: 'token.rotated',
          actor: { kind: 'user', id: actor },
        }),
        event({ at: at(2), userId: user, action: 'token.revoked' }),
        event({ at: at(2), userId: user, action: 'token.revoked' }),
        event({ at: at(3), action: 'token.revoked', actor: { kind: 'user', id: actor } }),
        event({ at: at(4), userId: user, action: 'login.succeeded' }),
        event({ at: at(5), userId: user, action: 'token.revoked' }),
      ])
      const ids = written.map((e) => e.id)
      const mine = await all(store(), { userId: user })
      expect(mine.map((e) => e.id)).toEqual([ids[6], ids[5], ids[3], ids[2], ids[1], ids[0]])
      expect((await all(store(), { actorId: actor })).map((e) => e.id)).toEqual([ids[4], ids[1]])
      expect(
        (await all(store(), { userId: user, action: 'token.revoked' })).map((e) => e.id),
      ).toEqual([ids[6], ids[3], ids[2]])
      // since is inclusive, until exclusive.
      expect(
        (await all(store(), { userId: user, since: at(2), until: at(5) })).map((e) => e.id),
      ).toEqual([ids[5], ids[3], ids[2]])
      expect(await all(store(), { userId: user, since: at(6) })).toEqual([])
      expect(await all(store(), { userId: randomUUID() })).toEqual([])
    })

    it('pages by 20 by default, clamps the limit, and refuses foreign cursors', async () => {
      const user = randomUUID()
      await store().audit.append(Array.from({ length: 23 }, () => event({ userId: user })))
      const first = await store().audit.list({ userId: user })
      expect(first.items).toHaveLength(20)
      expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/)
      const rest = await store().audit.list({ userId: user, cursor: first.nextCursor })
      expect(rest.items).toHaveLength(3)
      expect(rest.nextCursor).toBeUndefined()
      expect((await store().audit.list({ userId: user, limit: 0 })).items).toHaveLength(1)
      expect((await store().audit.list({ userId: user, limit: 1000 })).items).toHaveLength(23)
      const tokenCursor = Buffer.from(JSON.stringify([Date.now(), 'tok_abc'])).toString('base64url')
      for (const cursor of ['garbage!', tokenCursor]) {
        expect(await rejection(store().audit.list({ cursor }))).toMatchObject({
          name: 'InvalidCursorError',
        })
      }
    })
  })
}
