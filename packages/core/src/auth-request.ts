/**
 * Every value of one header, in arrival order. The core's request abstraction keeps all values so
 * that a second `Authorization` line (which Node's `req.headers` silently drops) is still seen.
 */
export type HeaderValues = (name: string) => readonly string[]

/**
 * The framework-neutral view of a request that adapters hand to the core.
 *
 * @example
 * ```ts
 * const request: AuthRequest = {
 *   method: 'GET', path: '/v1/things?x=1',
 *   header: headersFromWeb(webRequest.headers),
 *   clientIp: '127.0.0.1',
 * }
 * ```
 */
export type AuthRequest = {
  method: string
  /** The request-target as received (path and optional query), not decoded or normalised. */
  path: string
  /** Returns every value of a header; `name` is lower-case. */
  header: HeaderValues
  clientIp?: string | undefined
  /** The adapter's id for this request, copied into decisions so log lines can be correlated. */
  requestId?: string | undefined
  /**
   * The `request_id` of a problem answer when `requestId` is not set, computed only for a refusal
   * (an adapter's `requestId` option). Without either, `check` answers with a random UUID.
   */
  problemRequestId?: (() => string) | undefined
}

const NONE: readonly string[] = Object.freeze([])

/**
 * Reads header values from Node's `rawHeaders` (`[name, value, name, value, …]`), which keeps
 * duplicates that `req.headers` would drop or join.
 *
 * @example
 * ```ts
 * const header = headersFromRaw(req.rawHeaders)
 * header('authorization') // ['Bearer a', 'Bearer b'] for two lines
 * ```
 */
export function headersFromRaw(rawHeaders: readonly string[]): HeaderValues {
  return (name) => {
    let found: string[] | undefined
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const key = rawHeaders[i]!
      // Case-insensitive (RFC 9110 §5.1). Node's parser admits only token characters in a field
      // name, so toLowerCase() folds ASCII letters and nothing else here.
      if (key.length === name.length && key.toLowerCase() === name) {
        const value = rawHeaders[i + 1] ?? ''
        // A one-element literal: `[].push()` would grow an array of 17 slots for one value.
        if (found === undefined) found = [value]
        else found.push(value)
      }
    }
    return found ?? NONE
  }
}

/**
 * Reads header values from a Fetch API `Headers` object. Note that `Headers` joins repeated
 * fields with `", "`; the core still rejects such a joined credential as malformed.
 *
 * @example
 * ```ts
 * const header = headersFromWeb(request.headers)
 * ```
 */
export function headersFromWeb(headers: Headers): HeaderValues {
  return (name) => {
    const value = headers.get(name)
    return value === null ? NONE : [value]
  }
}

/**
 * Reads header values from a plain record (`IncomingHttpHeaders`, `headersDistinct`, …).
 *
 * @example
 * ```ts
 * const header = headersFromRecord(req.headersDistinct)
 * ```
 */
export function headersFromRecord(
  record: Readonly<Record<string, string | readonly string[] | undefined>>,
): HeaderValues {
  return (name) => {
    const value = record[name]
    if (value === undefined) return NONE
    return typeof value === 'string' ? [value] : value
  }
}
