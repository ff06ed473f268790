import type { RevocationEvent, RevocationEventStore, RevocationEventType } from '../types.js'
import type { Selectable } from 'kysely'
import type { Codec, DB, RevocationEventsTable } from './database.js'

const TYPES: ReadonlySet<string> = new Set([
  'token.revoked',
  'token.rotated',
  'session.ended',
  'user.disabled',
  'user.changed',
])

function toEvent(row: Selectable<RevocationEventsTable>, codec: Codec): RevocationEvent {
  return {
    id: Number(row.id),
    at: codec.readTime(row.at),
    // A type this release does not know (written by a newer one) still drops the verifier's
    // cache for that subject: read as the broadest token event.
    type: (TYPES.has(row.type) ? row.type : 'user.changed') as RevocationEventType,
    subjectId: row.subject_id,
    graceUntil: row.grace_until === null ? null : codec.readTime(row.grace_until),
  }
}

/** The {@link RevocationEventStore} over one Kysely instance. */
export function createRevocationEventStore(db: DB, codec: Codec): RevocationEventStore {
  return {
    async append(event, { keep }) {
      const row = await db
        .insertInto('revocation_events')
        .values({
          at: codec.time(event.at),
          type: event.type,
          subject_id: event.subjectId,
          grace_until: event.graceUntil === null ? null : codec.time(event.graceUntil),
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      const written = toEvent(row, codec)
      // Bounded backlog: what falls off is answered with a reset event on resumption.
      await db
        .deleteFrom('revocation_events')
        .where('id', '<=', written.id - keep)
        .execute()
      return written
    },

    async listAfter(afterId, limit) {
      const rows = await db
        .selectFrom('revocation_events')
        .selectAll()
        .where('id', '>', afterId)
        .orderBy('id', 'asc')
        .limit(limit)
        .execute()
      return rows.map((row) => toEvent(row, codec))
    },

    async bounds() {
      const row = await db
        .selectFrom('revocation_events')
        .select((eb) => [eb.fn.min('id').as('oldest'), eb.fn.max('id').as('newest')])
        .executeTakeFirst()
      return {
        oldest: row?.oldest == null ? 0 : Number(row.oldest),
        newest: row?.newest == null ? 0 : Number(row.newest),
      }
    },
  }
}
