/**
 * True for any thenable, not only this realm's `Promise`: a thenable taken for a principal or a
 * result would let a request through.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}
