import { checkKeys, collect, fail, int, pick, str } from './lib/checks.js'
import type { ServerConfig } from './server-config.js'

const PREFIX = /^[a-z0-9_]{1,16}$/

/** Validates `tokens`: prefix, pepper, the expiry bounds and the rotation grace. */
export function resolveTokens(
  value: unknown,
  defaults: ServerConfig['tokens'],
): ServerConfig['tokens'] {
  const input = checkKeys(value ?? {}, 'tokens', Object.keys(defaults))
  const prefix = pick(input, 'prefix', defaults.prefix, (v) => {
    if (typeof v !== 'string' || !PREFIX.test(v)) fail('tokens.prefix', 'must be 1-16 of [a-z0-9_]')
    return v
  })
  const pepper = pick<string | undefined>(input, 'pepper', undefined, (v) => {
    const s = str(v, 'tokens.pepper')
    if (s.length < 16) fail('tokens.pepper', 'must be at least 16 characters')
    return s
  })
  const minDays = pick(input, 'minDays', defaults.minDays, (v) => int(v, 'tokens.minDays', 1, 365))
  const maxDays = pick(input, 'maxDays', defaults.maxDays, (v) => int(v, 'tokens.maxDays', 1, 365))
  if (minDays > maxDays)
    collect(undefined, () => fail('tokens.minDays', 'must not exceed tokens.maxDays'))
  const defaultDays = pick(input, 'defaultDays', Math.min(defaults.defaultDays, maxDays), (v) =>
    int(v, 'tokens.defaultDays', minDays, maxDays),
  )
  const defaultScopes = pick(input, 'defaultScopes', defaults.defaultScopes, (v) => {
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
      fail('tokens.defaultScopes', 'must be a list of scopes')
    }
    return Object.freeze([...(v as string[])])
  })
  const maxRotationGraceSeconds = pick(
    input,
    'maxRotationGraceSeconds',
    defaults.maxRotationGraceSeconds,
    (v) => int(v, 'tokens.maxRotationGraceSeconds', 0, 365 * 24 * 3600),
  )
  const rotationGraceSeconds = pick(
    input,
    'rotationGraceSeconds',
    Math.min(defaults.rotationGraceSeconds, maxRotationGraceSeconds),
    (v) => int(v, 'tokens.rotationGraceSeconds', 0, maxRotationGraceSeconds),
  )
  return {
    prefix,
    pepper,
    minDays,
    maxDays,
    defaultDays,
    defaultScopes,
    rotationGraceSeconds,
    maxRotationGraceSeconds,
  }
}
