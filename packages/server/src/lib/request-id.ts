import { randomFillSync } from 'node:crypto'

// Request ids come from a pool of random bytes refilled 512 ids at a time: one
// randomFillSync per request was a measurable share of a request's cost.
const ID_BYTES = 8
const pool = Buffer.alloc(ID_BYTES * 512)
let poolOffset = pool.length

/** A fresh request id, `req_` and 16 hex digits (the `request_id` of every answer). */
export function requestId(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const id = pool.toString('hex', poolOffset, poolOffset + ID_BYTES)
  poolOffset += ID_BYTES
  return `req_${id}`
}
