import { randomUUID } from 'node:crypto'
import { sql, type CompiledQuery } from 'kysely'
import { LastAdminError, type Page, type PageOptions, type User, type UserStore } from '../types.js'
import { mapConflict } from './conflict.js'
import { decodeCursor, encodeCursor, pageLimit } from './cursor.js'
import type { Codec, DB, UsersTable } from './database.js'
import { normaliseEmail, toUser, UUID } from './rows.js'
import { slotFiller } from './slots.js'

/** Placeholder of the compiled lookup by id; no UUID ever equals it. */
const ID_SLOT = '\u0000keygate:user-id'

function checkId(id: string): string {
  const lower = typeof id === 'string' ? id.toLowerCase() : ''
  if (!UUID.test(lower)) throw new TypeError('users: id must be a UUID')
  return lower
}

/** The {@link UserStore} over one Kysely instance. */
export function createUserStore(db: DB, codec: Codec): UserStore {
  // Every authenticated request of the service that reads its caller (`/v1/users/me`, the
  // session and role checks) looks a user up by id: built and compiled once, as the token lookup
  // by digest is, instead of a Kysely query built and compiled per call.
  const byId = db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', ID_SLOT)
    .limit(sql.lit(1))
    .compile()
  type ByIdRow = typeof byId extends CompiledQuery<infer Row> ? Row : never
  const fillById = slotFiller(byId, [ID_SLOT])

  async function findById(id: string): Promise<User | undefined> {
    // A non-UUID cannot exist, and would be an error (not "no rows") against a PostgreSQL uuid.
    const lower = typeof id === 'string' ? id.toLowerCase() : ''
    if (!UUID.test(lower)) return undefined
    const { rows } = await db.executeQuery<ByIdRow>({
      ...byId,
      parameters: fillById([lower]),
    })
    const row = rows[0]
    return row && toUser(row, codec)
  }

  return {
    async create(input) {
      if (typeof input.role !== 'string' || input.role === '') {
        throw new TypeError('users.create(): role must be a non-empty string')
      }
      const now = codec.time(new Date())
      const row: UsersTable = {
        id: input.id === undefined ? randomUUID() : checkId(input.id),
        email: normaliseEmail(input.email),
        slug: input.slug ?? null,
        password_hash: input.passwordHash,
        role: input.role,
        disabled: codec.bool(false),
        created_at: now,
        updated_at: now,
      }
      await mapConflict(() => db.insertInto('users').values(row).execute())
      return toUser(row, codec)
    },

    findById,

    async findByEmail(email) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('email', '=', normaliseEmail(email))
        .executeTakeFirst()
      return row && toUser(row, codec)
    },

    async list(options?: PageOptions): Promise<Page<User>> {
      const limit = pageLimit(options)
      const after = decodeCursor(options?.cursor, UUID)
      let query = db.selectFrom('users').selectAll()
      if (after !== undefined) {
        query = query.where((eb) =>
          eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(codec.time(after.createdAt), after.id)),
        )
      }
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute()
      const items = rows.slice(0, limit).map((row) => toUser(row, codec))
      const last = items[items.length - 1]
      return rows.length > limit && last !== undefined
        ? { items, nextCursor: encodeCursor(last) }
        : { items }
    },

    async update(id, patch, options) {
      const lower = typeof id === 'string' ? id.toLowerCase() : ''
      if (!UUID.test(lower)) return undefined
      const set: Partial<UsersTable> = { updated_at: codec.time(new Date()) }
      if (patch.email !== undefined) set.email = normaliseEmail(patch.email)
      if (patch.slug !== undefined) set.slug = patch.slug
      if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash
      if (patch.role !== undefined) set.role = patch.role
      if (patch.disabled !== undefined) set.disabled = codec.bool(patch.disabled)
      const demotes =
        (patch.role !== undefined && patch.role !== 'admin') || patch.disabled === true
      if (options?.keepActiveAdmin !== true || !demotes) {
        const row = await mapConflict(() =>
          db
            .updateTable('users')
            .set(set)
            .where('id', '=', lower)
            .returningAll()
            .executeTakeFirst(),
        )
        return row && toUser(row, codec)
      }
      // One transaction that reads the active admins (locking their rows on PostgreSQL, where a
      // concurrent demotion waits and then sees this one; SQLite runs one writer at a time) and
      // refuses the change when it would leave none.
      return db.transaction().execute(async (trx) => {
        const admins = await trx
          .selectFrom('users')
          .select('id')
          .where('role', '=', 'admin')
          .where('disabled', '=', codec.bool(false))
          .$if(codec.dialect === 'postgres', (query) => query.forUpdate())
          .execute()
        if (admins.some((a) => a.id === lower) && !admins.some((a) => a.id !== lower)) {
          throw new LastAdminError()
        }
        const row = await mapConflict(() =>
          trx
            .updateTable('users')
            .set(set)
            .where('id', '=', lower)
            .returningAll()
            .executeTakeFirst(),
        )
        return row && toUser(row, codec)
      })
    },

    async upsert(id, input) {
      const key = checkId(id)
      const email = normaliseEmail(input.email)
      const now = codec.time(new Date())
      // Insert-or-nothing first: `created` is then exact, even with concurrent upserts of one id.
      const inserted = await mapConflict(() =>
        db
          .insertInto('users')
          .values({
            id: key,
            email,
            slug: input.slug,
            password_hash: null,
            role: input.role ?? 'user',
            disabled: codec.bool(false),
            created_at: now,
            updated_at: now,
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .returningAll()
          .executeTakeFirst(),
      )
      if (inserted !== undefined) return { user: toUser(inserted, codec), created: true }
      // Only what was sent is written, and only when it differs: a repeated upsert writes nothing.
      const set: Partial<UsersTable> = { email, slug: input.slug, updated_at: now }
      if (input.role !== undefined) set.role = input.role
      const updated = await mapConflict(() =>
        db
          .updateTable('users')
          .set(set)
          .where('id', '=', key)
          .where((eb) => {
            const changed = [
              eb('email', 'is distinct from', email),
              eb('slug', 'is distinct from', input.slug),
            ]
            if (input.role !== undefined) changed.push(eb('role', 'is distinct from', input.role))
            return eb.or(changed)
          })
          .returningAll()
          .executeTakeFirst(),
      )
      if (updated !== undefined) return { user: toUser(updated, codec), created: false }
      const current = await findById(key)
      if (current === undefined)
        throw new Error('users.upsert(): the user vanished during the upsert')
      return { user: current, created: false }
    },

    async count() {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },
  }
}
