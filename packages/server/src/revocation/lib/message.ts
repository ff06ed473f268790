import type { Revocation } from '../revocation-bus.js'

/** Public ids as the store issues them (`tok_…`, UUIDs): nothing else is ever sent or believed. */
const ID = /^[A-Za-z0-9_-]{1,128}$/
const ORIGIN = /^[a-f0-9]{32}$/

/** The wire form: `{"v":1,"origin":"…","kind":"token","id":"tok_…"}`. */
export function encodeRevocation(origin: string, revocation: Revocation): string {
  const id =
    revocation.kind === 'token'
      ? revocation.tokenId
      : revocation.kind === 'user'
        ? revocation.userId
        : undefined
  if (id !== undefined && !ID.test(id)) {
    throw new TypeError(`revocation: ${revocation.kind} id must be 1-128 of [A-Za-z0-9_-]`)
  }
  return JSON.stringify({
    v: 1,
    origin,
    kind: revocation.kind,
    ...(id === undefined ? {} : { id }),
  })
}

/**
 * Reads a message off the bus. Anything it cannot read — garbage, a newer version — becomes
 * `{ kind: 'all' }`: a message on the revocation channel means something was revoked, and
 * dropping the whole cache is the safe answer to not knowing what.
 */
export function decodeRevocation(raw: string): { origin?: string; revocation: Revocation } {
  let message: unknown
  try {
    message = JSON.parse(raw)
  } catch {
    return { revocation: { kind: 'all' } }
  }
  if (message === null || typeof message !== 'object') return { revocation: { kind: 'all' } }
  const { v, origin, kind, id } = message as Record<string, unknown>
  const from = typeof origin === 'string' && ORIGIN.test(origin) ? origin : undefined
  const base = from === undefined ? {} : { origin: from }
  if (v === 1 && typeof id === 'string' && ID.test(id)) {
    if (kind === 'token') return { ...base, revocation: { kind: 'token', tokenId: id } }
    if (kind === 'user') return { ...base, revocation: { kind: 'user', userId: id } }
  }
  return { ...base, revocation: { kind: 'all' } }
}
