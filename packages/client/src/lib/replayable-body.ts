/**
 * True when a request body can be sent a second time as it is: no body, a string, bytes,
 * `URLSearchParams`, a `Blob` or `FormData`. A stream is read once, so a request carrying one is
 * never retried.
 */
export function isReplayableBody(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof URLSearchParams ||
    body instanceof Blob ||
    body instanceof FormData
  )
}
