import { checkRules } from '../edge/forward-auth-rules.js'
import { checkKeys, fail, int, pick } from './lib/checks.js'
import type { ServerConfig } from './server-config.js'

/** An `aud` value: printable, no spaces (an origin, a URN, a name). */
export function audienceOf(value: unknown, key: string): string {
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(value)) {
    fail(key, 'must be 1-256 printable characters without spaces')
  }
  return value
}

/** Validates `forwardAuth`: the rules (docs/edge.md), the `Cache-Control`, the assertions. */
export function resolveForwardAuth(
  value: unknown,
  defaults: ServerConfig['forwardAuth'],
): ServerConfig['forwardAuth'] {
  const input = checkKeys(value ?? {}, 'forwardAuth', Object.keys(defaults))
  const rules = pick(input, 'rules', defaults.rules, (v) => {
    const checked = checkRules(v)
    if (typeof checked === 'string') fail('forwardAuth.rules', checked)
    return checked
  })
  const cacheControl = pick(input, 'cacheControl', defaults.cacheControl, (v) => {
    if (typeof v !== 'string' || !/^[\x20-\x7e]{1,256}$/.test(v) || v.trim() === '') {
      fail(
        'forwardAuth.cacheControl',
        'must be a Cache-Control value like no-store or private, max-age=5',
      )
    }
    return v
  })
  return {
    rules,
    cacheControl,
    audience: pick<string | undefined>(input, 'audience', undefined, (v) =>
      audienceOf(v, 'forwardAuth.audience'),
    ),
    assertionTtlSeconds: pick(input, 'assertionTtlSeconds', defaults.assertionTtlSeconds, (v) =>
      int(v, 'forwardAuth.assertionTtlSeconds', 1, 60),
    ),
  }
}
