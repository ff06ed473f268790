/**
 * Returns the path of a request-target when it is already in canonical form, or `undefined`
 * when it is not: a query is dropped; any percent-encoding, dot segment, empty segment or
 * backslash makes the path non-canonical.
 *
 * Why so strict: routers disagree on normalisation (RFC 3986 §5.2.4 dot-segment removal,
 * decoding of `%2F`, case folding). A path that needs normalising is never treated as public, so
 * `/health/../admin`, `/health%2F..%2Fadmin` and `//health/../x` always go through authentication
 * whatever the router later does with them.
 */
export function canonicalPath(target: string): string | undefined {
  const q = target.indexOf('?')
  const path = q === -1 ? target : target.slice(0, q)
  if (path.length === 0 || path.charCodeAt(0) !== 0x2f) return undefined
  if (/[%\\#]|\/\/|\/\.\.?(?:\/|$)/.test(path)) return undefined
  return path
}
