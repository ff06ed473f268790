// RFC 9562 §4: 8-4-4-4-12 hexadecimal digits. Any version and variant: the store decides whether
// the user exists; this only keeps garbage (and path or SQL fragments) away from it.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** True when `value` is a UUID in its canonical textual form (either case). */
export function isUUID(value: unknown): value is string {
  return typeof value === 'string' && value.length === 36 && UUID.test(value)
}
