import { isIP } from 'node:net'
import type { ConfigIssue, RateLimitRule } from '../server-config.js'

// The checks every section of the configuration is validated with. A check throws `BadKey`; `pick`
// and `collect` turn it into an issue, so one run reports every bad key, not just the first.

/** One bad key, thrown by a check and collected by `pick` (or by `resolveConfig` itself). */
class BadKey extends TypeError {
  constructor(readonly issue: ConfigIssue) {
    super(`keygate config: ${issue.key} ${issue.message}`)
  }
}

// The issues of the resolveConfig() call in progress (it is synchronous: no interleaving).
let issues: ConfigIssue[] = []

/** Records an issue without stopping the check in progress. */
export function report(issue: ConfigIssue): void {
  issues.push(issue)
}

/**
 * Runs `resolve` with a fresh list of issues and returns its value with every issue it reported.
 * Calls nest (the outer list is restored), and `resolve` is synchronous: no interleaving.
 */
export function collectIssues<T>(resolve: () => T): {
  value: T | undefined
  issues: ConfigIssue[]
} {
  const outer = issues
  issues = []
  try {
    const value = collect(undefined, resolve)
    return { value, issues }
  } finally {
    issues = outer
  }
}

/** Throws the bad key (collected by the nearest `pick`/`collect`). */
export function fail(key: string, message: string): never {
  throw new BadKey({ key, message })
}

/** Runs `check`; a bad key is collected and `fallback` returned, so every bad key is reported. */
export function collect<T>(fallback: T, check: () => T): T {
  try {
    return check()
  } catch (error) {
    if (!(error instanceof BadKey)) throw error
    issues.push(error.issue)
    return fallback
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export function checkKeys(
  value: unknown,
  key: string,
  allowed: readonly string[],
): Record<string, unknown> {
  if (!isRecord(value)) return collect({}, () => fail(key, 'must be an object'))
  for (const name of Object.keys(value)) {
    if (!allowed.includes(name)) {
      issues.push({ key: key === '' ? name : `${key}.${name}`, message: 'is not a known option' })
    }
  }
  return value
}

export function int(value: unknown, key: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(key, `must be an integer between ${min} and ${max}`)
  }
  return value
}

export function str(value: unknown, key: string): string {
  if (typeof value !== 'string' || value === '') fail(key, 'must be a non-empty string')
  return value
}

export function pick<T>(
  input: Record<string, unknown>,
  name: string,
  fallback: T,
  check: (v: unknown) => T,
): T {
  return input[name] === undefined ? fallback : collect(fallback, () => check(input[name]))
}

export function isCIDR(entry: string): boolean {
  const slash = entry.indexOf('/')
  const ip = slash === -1 ? entry : entry.slice(0, slash)
  const family = isIP(ip)
  if (family === 0) return false
  if (slash === -1) return true
  const bits = entry.slice(slash + 1)
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)
}

export function rule(value: unknown, key: string, fallback: RateLimitRule): RateLimitRule {
  const input = checkKeys(value ?? {}, key, ['limit', 'windowSeconds'])
  return {
    limit: pick(input, 'limit', fallback.limit, (v) => int(v, `${key}.limit`, 1, 1_000_000)),
    windowSeconds: pick(input, 'windowSeconds', fallback.windowSeconds, (v) =>
      int(v, `${key}.windowSeconds`, 1, 7 * 24 * 3600),
    ),
  }
}

export function bool(value: unknown, key: string): boolean {
  if (typeof value !== 'boolean') fail(key, 'must be a boolean')
  return value
}
