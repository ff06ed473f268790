import { InvalidRequestError } from '../../errors.js'

/** RFC 6265 §4.1.1 cookie-name: an RFC 9110 token. */
export const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * The value of cookie `name` across every `Cookie` line (HTTP/2 splits them; Node joins them with
 * `; `), or `undefined` when absent. Optional DQUOTEs around the value are removed.
 *
 * @throws InvalidRequestError when the cookie appears more than once: a second cookie of the same
 *   name can be planted from a sibling subdomain or another path (cookie tossing), and which one
 *   a browser sends first is not something to authenticate on.
 */
export function readCookie(lines: readonly string[], name: string): string | undefined {
  let found: string | undefined
  for (const line of lines) {
    for (const pair of line.split(';')) {
      const eq = pair.indexOf('=')
      if (eq === -1 || pair.slice(0, eq).trim() !== name) continue
      if (found !== undefined) {
        throw new InvalidRequestError({ detail: `More than one ${name} cookie` })
      }
      let value = pair.slice(eq + 1).trim()
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
        value = value.slice(1, -1)
      }
      found = value
    }
  }
  return found
}
