// RFC 6750 §2.1 b64token: what a Bearer credential may hold.
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/
// A custom header secret: visible ASCII, no comma (keygate refuses a comma: Node joins repeats with ", ").
const HEADER_SECRET = /^[\x21-\x2b\x2d-\x7e]+$/

/**
 * True when `secret` can be sent in `header` as keygate's server side expects it. Checked before
 * the value reaches `Headers`, whose own error message would quote it.
 */
export function isSendableSecret(secret: string, bearer: boolean): boolean {
  return bearer ? TOKEN68.test(secret) : HEADER_SECRET.test(secret)
}
