import type { SessionRecord, SessionStore } from '../types.js'
import type { Codec, DB, SessionsTable } from './database.js'
import { OWNER_COLUMNS, toOwner, UUID } from './rows.js'

function toSession(row: SessionsTable, codec: Codec): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: codec.readTime(row.created_at),
    expiresAt: codec.readTime(row.expires_at),
    revokedAt: row.revoked_at === null ? null : codec.readTime(row.revoked_at),
  }
}

/** The {@link SessionStore} over one Kysely instance. */
export function createSessionStore(db: DB, codec: Codec): SessionStore {
  return {
    async create(input) {
      const userId = input.userId.toLowerCase()
      if (!UUID.test(userId)) throw new TypeError('sessions.create(): userId must be a UUID')
      const row: SessionsTable = {
        id: input.id,
        user_id: userId,
        created_at: codec.time(new Date()),
        expires_at: codec.time(input.expiresAt),
        revoked_at: null,
      }
      await db.insertInto('sessions').values(row).execute()
      return toSession(row, codec)
    },

    async find(id) {
      // One indexed query: the session joined with its owner (disabled flag, role).
      const row = await db
        .selectFrom('sessions as s')
        .innerJoin('users as u', 'u.id', 's.user_id')
        .select([
          's.id',
          's.user_id',
          's.created_at',
          's.expires_at',
          's.revoked_at',
          'u.id as u_id',
          ...OWNER_COLUMNS,
        ])
        .where('s.id', '=', id)
        .executeTakeFirst()
      if (row === undefined) return undefined
      const user = toOwner(row.u_id, row, codec)
      return { session: toSession(row, codec), user }
    },

    async revoke(id, at) {
      // Compare-and-set: of concurrent calls, one revokes.
      const result = await db
        .updateTable('sessions')
        .set({ revoked_at: codec.time(at) })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    async revokeAllForUser(userId, at) {
      if (!UUID.test(userId.toLowerCase())) return 0
      const result = await db
        .updateTable('sessions')
        .set({ revoked_at: codec.time(at) })
        .where('user_id', '=', userId.toLowerCase())
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },

    async deleteExpired(before) {
      const result = await db
        .deleteFrom('sessions')
        .where('expires_at', '<', codec.time(before))
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}
