import { generatePublicId } from '@keygate/core'
import type { CompiledQuery, Expression } from 'kysely'
import type { APIToken, FoundByDigest, Page, PageOptions, TokenStore } from '../types.js'
import { mapConflict } from './conflict.js'
import { decodeCursor, encodeCursor, pageLimit } from './cursor.js'
import type { APITokensTable, Codec, DB, DbTime } from './database.js'
import type { SyncReader } from './sync-reader.js'
import { byDigest, verifyByDigest } from './verify-by-digest.js'
import {
  OWNER_COLUMNS,
  TOKEN_COLUMNS,
  TOKEN_ID,
  toAPIToken,
  toOwner,
  type TokenRow,
} from './rows.js'

/** Entries per `touchLastUsed` statement: 3 parameters each, far below both engines' limits. */
const TOUCH_CHUNK = 1000

/**
 * The {@link TokenStore} over one Kysely instance; with a `reader` (SQLite on a file), it also
 * answers a verification's lookup synchronously (`verifyByDigestSync`).
 */
export function createTokenStore(db: DB, codec: Codec, reader?: SyncReader): TokenStore {
  async function page(
    userId: string | undefined,
    options: PageOptions | undefined,
  ): Promise<Page<APIToken>> {
    const limit = pageLimit(options)
    const after = decodeCursor(options?.cursor, TOKEN_ID)
    let query = db.selectFrom('api_tokens').select(TOKEN_COLUMNS)
    if (userId !== undefined) query = query.where('user_id', '=', userId)
    if (after !== undefined) {
      query = query.where((eb) =>
        eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(codec.time(after.createdAt), after.id)),
      )
    }
    const rows: TokenRow[] = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute()
    const items = rows.slice(0, limit).map((row) => toAPIToken(row, codec))
    const last = items[items.length - 1]
    return rows.length > limit && last !== undefined
      ? { items, nextCursor: encodeCursor(last) }
      : { items }
  }

  // The whole token and its owner by digest (a verification's narrow read is verifyByDigest),
  // compiled once with placeholders the call fills in: building and compiling a Kysely query
  // per lookup cost more than the SQLite read itself.
  const lookup = byDigest(db, codec)
  const compiled = lookup.query
    .select([
      't.id',
      't.user_id',
      't.name',
      't.scopes',
      't.hint',
      't.created_at',
      't.expires_at',
      't.last_used_at',
      't.revoked_at',
      't.digest',
      't.grace_until',
      ...OWNER_COLUMNS,
    ])
    .compile()
  type ByDigestRow = typeof compiled extends CompiledQuery<infer Row> ? Row : never
  const byDigestParameters = lookup.fill(compiled)

  function foundBy(digest: string, row: ByDigestRow | undefined): FoundByDigest {
    if (row === undefined) return undefined
    const user = toOwner(row.user_id, row, codec)
    const token = toAPIToken(row, codec)
    // Matched through the previous secret of a rotated token: say until when it works.
    if (row.digest !== digest && row.grace_until !== null) {
      return { token, user, graceUntil: codec.readTime(row.grace_until) }
    }
    return { token, user }
  }

  return {
    async create(input) {
      const row: APITokensTable = {
        id: generatePublicId(),
        user_id: input.userId.toLowerCase(),
        name: input.name,
        scopes: codec.scopes(input.scopes),
        digest: input.digest,
        hint: input.hint,
        previous_digest: null,
        grace_until: null,
        created_at: codec.time(input.createdAt ?? new Date()),
        expires_at: codec.time(input.expiresAt),
        last_used_at: null,
        revoked_at: null,
      }
      await mapConflict(() => db.insertInto('api_tokens').values(row).execute())
      return toAPIToken(row, codec)
    },

    async findByDigest(digest, now) {
      const { rows } = await db.executeQuery<ByDigestRow>({
        ...compiled,
        parameters: byDigestParameters(digest, now),
      })
      return foundBy(digest, rows[0])
    },

    ...verifyByDigest(db, codec, reader),

    async findById(id) {
      const row = await db
        .selectFrom('api_tokens')
        .select(TOKEN_COLUMNS)
        .where('id', '=', id)
        .executeTakeFirst()
      return row && toAPIToken(row, codec)
    },

    listByUser(userId, options) {
      return page(userId.toLowerCase(), options)
    },

    listAll(options) {
      return page(undefined, options)
    },

    async revoke(id, at) {
      // The WHERE re-check makes this a compare-and-set: of concurrent calls, one revokes.
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: codec.time(at) })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    async revokeAllForUser(userId, at) {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: codec.time(at) })
        .where('user_id', '=', userId.toLowerCase())
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },

    async rotate(id, input) {
      const row = await mapConflict(() =>
        db
          .updateTable('api_tokens')
          // SET reads the row as it was: previous_digest gets the old digest.
          .set((eb) => ({
            previous_digest: eb.ref('digest'),
            digest: input.digest,
            hint: input.hint,
            grace_until: codec.time(input.graceUntil),
          }))
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .$if(input.now !== undefined, (query) =>
            query.where((eb) =>
              eb.or([
                eb('grace_until', 'is', null),
                eb('grace_until', '<=', codec.time(input.now!)),
              ]),
            ),
          )
          .returning(TOKEN_COLUMNS)
          .executeTakeFirst(),
      )
      return row && toAPIToken(row, codec)
    },

    async touchLastUsed(entries) {
      // Latest wins within the batch, and the stored value never moves backwards.
      const latest = new Map<string, Date>()
      for (const { id, at } of entries) {
        const seen = latest.get(id)
        if (seen === undefined || at > seen) latest.set(id, at)
      }
      const all = [...latest]
      for (let i = 0; i < all.length; i += TOUCH_CHUNK) {
        const chunk = all.slice(i, i + TOUCH_CHUNK)
        await db
          .updateTable('api_tokens')
          .set((eb) => {
            // PostgreSQL types a CASE of bare parameters as text: cast each to timestamptz.
            const time = (at: Date): Expression<DbTime> =>
              codec.dialect === 'postgres'
                ? eb.cast<DbTime>(eb.val(at), 'timestamptz')
                : eb.val<DbTime>(codec.time(at))
            const [[firstId, firstAt], ...rest] = chunk as [[string, Date], ...[string, Date][]]
            let when = eb.case('id').when(firstId).then(time(firstAt))
            for (const [id, at] of rest) when = when.when(id).then(time(at))
            const next = when.end()
            return {
              last_used_at:
                codec.dialect === 'postgres'
                  ? eb.fn<DbTime>('greatest', [eb.ref('last_used_at'), next])
                  : eb.fn<DbTime>('max', [eb.fn.coalesce('last_used_at', eb.val<DbTime>(0)), next]),
            }
          })
          .where(
            'id',
            'in',
            chunk.map(([id]) => id),
          )
          .execute()
      }
    },
  }
}
