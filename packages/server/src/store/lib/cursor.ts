import { InvalidCursorError, type PageOptions } from '../types.js'

export const DEFAULT_LIMIT = 20
export const MAX_LIMIT = 100

/** A position in a (created_at, id) ordered list. */
export type CursorKey = { createdAt: Date; id: string }

/** Clamps `limit` to 1..100 (default 20). */
export function pageLimit(options: PageOptions | undefined): number {
  const limit = options?.limit
  if (typeof limit !== 'number' || !Number.isFinite(limit)) return DEFAULT_LIMIT
  return Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)))
}

/** Opaque to callers: base64url of `[created_at ms, id]`. */
export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.createdAt.getTime(), key.id])).toString('base64url')
}

/**
 * Decodes a cursor made by {@link encodeCursor}; `idPattern` keeps a forged id from reaching the
 * database (a non-UUID compared with a PostgreSQL `uuid` column is an error, not "no rows").
 *
 * @throws InvalidCursorError for anything else.
 */
export function decodeCursor(cursor: string | undefined, idPattern: RegExp): CursorKey | undefined {
  if (cursor === undefined) return undefined
  if (typeof cursor !== 'string' || cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError()
  }
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw new InvalidCursorError()
  }
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !Number.isSafeInteger(value[0]) ||
    typeof value[1] !== 'string' ||
    !idPattern.test(value[1])
  ) {
    throw new InvalidCursorError()
  }
  const createdAt = new Date(value[0] as number)
  if (Number.isNaN(createdAt.getTime())) throw new InvalidCursorError()
  return { createdAt, id: value[1] }
}
