import type { SigningKeyRecord, SigningKeyStore } from '../types.js'
import type { Codec, DB, SigningKeysTable } from './database.js'

function toRecord(row: SigningKeysTable, codec: Codec): SigningKeyRecord {
  return {
    kid: row.kid,
    generation: Number(row.generation),
    alg: row.alg,
    publicJwk: JSON.parse(row.public_jwk) as Record<string, unknown>,
    privateJwk: row.private_jwk,
    createdAt: codec.readTime(row.created_at),
    activatesAt: codec.readTime(row.activates_at),
    expiresAt: codec.readTime(row.expires_at),
  }
}

/** The {@link SigningKeyStore} over one Kysely instance. */
export function createSigningKeyStore(db: DB, codec: Codec): SigningKeyStore {
  return {
    async list() {
      const rows = await db.selectFrom('signing_keys').selectAll().orderBy('generation').execute()
      return rows.map((row) => toRecord(row, codec))
    },

    async insert(record) {
      // DO NOTHING on any unique violation (kid or generation): of two instances rotating at
      // once, exactly one key is kept, and the loser reloads.
      const row = await db
        .insertInto('signing_keys')
        .values({
          kid: record.kid,
          generation: record.generation,
          alg: record.alg,
          public_jwk: JSON.stringify(record.publicJwk),
          private_jwk: record.privateJwk,
          created_at: codec.time(record.createdAt),
          activates_at: codec.time(record.activatesAt),
          expires_at: codec.time(record.expiresAt),
        })
        .onConflict((oc) => oc.doNothing())
        .returning('kid')
        .executeTakeFirst()
      return row !== undefined
    },

    async deleteExpired(before) {
      const result = await db
        .deleteFrom('signing_keys')
        .where('expires_at', '<', codec.time(before))
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}
