import type { Kysely } from 'kysely'
import type { Codec, DB, DbTime } from './lib/database.js'

/** The pending one-time setup code, as the database keeps it (its digest, never the code). */
export type SetupCodeRecord = {
  /** Hex SHA-256 of the canonical code. */
  digest: string
  createdAt: Date
  expiresAt: Date
  /** Set while a `POST /v1/setup` is creating the first admin with it. */
  claimedAt: Date | null
}

/**
 * At most one pending setup code per database, shared by every instance: any instance can
 * complete the setup whichever printed the code, and the database decides which of two
 * concurrent attempts wins.
 */
export type SetupStore = {
  /** The pending code, or undefined. */
  get(): Promise<SetupCodeRecord | undefined>
  /** Stores a new code, replacing any previous one (each start with no users issues one). */
  put(input: { digest: string; createdAt: Date; expiresAt: Date }): Promise<void>
  /**
   * Marks the code used, atomically, if it has this digest, is unexpired at `at` and is not
   * claimed yet: true for exactly one of any number of concurrent callers.
   */
  claim(digest: string, at: Date): Promise<boolean>
  /** Undoes a claim whose admin could not be created, so the code can be used again. */
  release(digest: string): Promise<void>
  /** Deletes the code (the first admin exists). */
  clear(): Promise<void>
}

type SetupCodesTable = {
  id: number
  digest: string
  created_at: DbTime
  expires_at: DbTime
  claimed_at: DbTime | null
}

// The table has one row at most: id is always 1 (a CHECK constraint says so).
const ROW = 1

/** The {@link SetupStore} over the store's Kysely instance (schema-scoped on PostgreSQL). */
export function createSetupStore(db: DB, codec: Codec): SetupStore {
  const k = db as unknown as Kysely<{ setup_codes: SetupCodesTable }>
  return {
    async get() {
      const row = await k
        .selectFrom('setup_codes')
        .selectAll()
        .where('id', '=', ROW)
        .executeTakeFirst()
      if (row === undefined) return undefined
      return {
        digest: row.digest,
        createdAt: codec.readTime(row.created_at),
        expiresAt: codec.readTime(row.expires_at),
        claimedAt: row.claimed_at === null ? null : codec.readTime(row.claimed_at),
      }
    },
    async put(input) {
      const values = {
        digest: input.digest,
        created_at: codec.time(input.createdAt),
        expires_at: codec.time(input.expiresAt),
        claimed_at: null,
      }
      await k
        .insertInto('setup_codes')
        .values({ id: ROW, ...values })
        .onConflict((oc) => oc.column('id').doUpdateSet(values))
        .execute()
    },
    async claim(digest, at) {
      // One UPDATE decides: on PostgreSQL a concurrent claimer waits on the row lock, then sees
      // claimed_at set and updates nothing; SQLite runs writers one at a time.
      const result = await k
        .updateTable('setup_codes')
        .set({ claimed_at: codec.time(at) })
        .where('id', '=', ROW)
        .where('digest', '=', digest)
        .where('claimed_at', 'is', null)
        .where('expires_at', '>', codec.time(at))
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },
    async release(digest) {
      await k
        .updateTable('setup_codes')
        .set({ claimed_at: null })
        .where('id', '=', ROW)
        .where('digest', '=', digest)
        .execute()
    },
    async clear() {
      await k.deleteFrom('setup_codes').execute()
    },
  }
}
