import { randomFillSync } from 'node:crypto'

let lastMs = 0
let counter = 0

/**
 * A UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then a 12-bit counter
 * (RFC 9562 §6.2, method 1) and 62 random bits. Ids made by one process sort in the order they
 * were made, within a millisecond too, and never go backwards when the clock does.
 */
export function uuidV7(now: number = Date.now()): string {
  const bytes = randomFillSync(Buffer.alloc(16))
  if (now > lastMs) {
    lastMs = now
    // A random start leaves room to count up within the millisecond.
    counter = bytes.readUInt16BE(6) & 0x7ff
  } else if (++counter > 0xfff) {
    lastMs++
    counter = 0
  }
  bytes.writeUIntBE(lastMs, 0, 6)
  bytes[6] = 0x70 | (counter >> 8)
  bytes[7] = counter & 0xff
  bytes[8] = 0x80 | (bytes[8]! & 0x3f)
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
