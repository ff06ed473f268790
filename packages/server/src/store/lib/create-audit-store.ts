import type { AuditEvent, AuditStore } from '../types.js'
import { decodeCursor, encodeCursor, pageLimit } from './cursor.js'
import type { AuditEventsTable, Codec, DB } from './database.js'
import { UUID } from './rows.js'
import { uuidV7 } from './uuid-v7.js'

const ACTOR_KINDS = new Set<string>(['user', 'service', 'system', 'anonymous'])

function toAuditEvent(row: AuditEventsTable, codec: Codec): AuditEvent {
  const details: unknown = typeof row.details === 'string' ? JSON.parse(row.details) : row.details
  return {
    id: row.id,
    at: codec.readTime(row.at),
    action: row.action,
    actor: {
      kind: (ACTOR_KINDS.has(row.actor_kind)
        ? row.actor_kind
        : 'system') as AuditEvent['actor']['kind'],
      id: row.actor_id,
    },
    userId: row.user_id,
    tokenId: row.token_id,
    clientIp: row.client_ip,
    requestId: row.request_id,
    details:
      details !== null && typeof details === 'object' && !Array.isArray(details)
        ? (details as Record<string, unknown>)
        : {},
  }
}

/** The {@link AuditStore} over one Kysely instance. */
export function createAuditStore(db: DB, codec: Codec): AuditStore {
  return {
    async append(events) {
      if (events.length === 0) return []
      const rows: AuditEventsTable[] = events.map((event) => ({
        id: event.id ?? uuidV7(),
        at: codec.time(event.at),
        action: event.action,
        actor_kind: event.actor.kind,
        actor_id: event.actor.id,
        user_id: event.userId?.toLowerCase() ?? null,
        token_id: event.tokenId,
        client_ip: event.clientIp,
        request_id: event.requestId,
        details: JSON.stringify(event.details),
      }))
      await db.insertInto('audit_events').values(rows).execute()
      return rows.map((row) => toAuditEvent(row, codec))
    },

    async list(options) {
      const limit = pageLimit(options)
      const after = decodeCursor(options?.cursor, UUID)
      let query = db.selectFrom('audit_events').selectAll()
      if (options?.userId !== undefined) {
        query = query.where('user_id', '=', options.userId.toLowerCase())
      }
      if (options?.actorId !== undefined) query = query.where('actor_id', '=', options.actorId)
      if (options?.action !== undefined) query = query.where('action', '=', options.action)
      if (options?.since !== undefined) query = query.where('at', '>=', codec.time(options.since))
      if (options?.until !== undefined) query = query.where('at', '<', codec.time(options.until))
      if (after !== undefined) {
        query = query.where((eb) =>
          eb(eb.refTuple('at', 'id'), '<', eb.tuple(codec.time(after.createdAt), after.id)),
        )
      }
      const rows = await query
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute()
      const items = rows.slice(0, limit).map((row) => toAuditEvent(row, codec))
      const last = items[items.length - 1]
      return rows.length > limit && last !== undefined
        ? { items, nextCursor: encodeCursor({ createdAt: last.at, id: last.id }) }
        : { items }
    },
  }
}
