/**
 * One forward-auth rule (docs/edge.md): what a request to `path` needs. `path` is a canonical
 * path, matched exactly, or a prefix when it ends in `/*` (`/admin/*` matches `/admin` and
 * everything under it). The first rule that matches decides; no rule means "any valid
 * credential, no scope".
 */
export type ForwardAuthRule = {
  readonly path: string
  /** Upper-case methods the rule applies to. Default: every method. */
  readonly methods?: readonly string[] | undefined
  /** Scopes the caller must hold (all of them). Default none. */
  readonly scopes?: readonly string[] | undefined
  /** No credential is evaluated at all. Cannot be combined with `scopes`. */
  readonly public?: boolean | undefined
}

/** The rule that applies to a request, or `undefined`. */
export type RuleMatcher = (method: string, path: string) => ForwardAuthRule | undefined

const METHOD = /^[A-Z]{1,16}$/
const SEGMENTS = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]+(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@]+)*)?$/

/**
 * Checks rules as configured, naming the bad entry: the message is for `resolveConfig`.
 *
 * @returns the rules, frozen, or a message.
 */
export function checkRules(value: unknown): readonly ForwardAuthRule[] | string {
  if (!Array.isArray(value)) return 'must be a list of { path, methods?, scopes?, public? }'
  const rules: ForwardAuthRule[] = []
  for (const [i, entry] of value.entries()) {
    const at = `[${i}]`
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      return `${at} must be an object`
    }
    const rule = entry as Record<string, unknown>
    for (const key of Object.keys(rule)) {
      if (!['path', 'methods', 'scopes', 'public'].includes(key))
        return `${at}.${key} is not a known key`
    }
    const path = rule.path
    if (typeof path !== 'string') return `${at}.path must be a string`
    const base = path.endsWith('/*') ? path.slice(0, -2) || '/' : path
    if (!SEGMENTS.test(base) || base.includes('*') || /\/\.\.?(?:\/|$)/.test(base)) {
      return `${at}.path must be a canonical path (no percent-encoding, dot segments or "//"), optionally ending in "/*"`
    }
    const methods = rule.methods
    if (
      methods !== undefined &&
      (!Array.isArray(methods) ||
        methods.length === 0 ||
        !methods.every((m) => typeof m === 'string' && METHOD.test(m)))
    ) {
      return `${at}.methods must be a non-empty list of upper-case methods`
    }
    const scopes = rule.scopes
    if (
      scopes !== undefined &&
      (!Array.isArray(scopes) ||
        !scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)))
    ) {
      return `${at}.scopes must be a list of scopes`
    }
    if (rule.public !== undefined && typeof rule.public !== 'boolean')
      return `${at}.public must be a boolean`
    if (rule.public === true && scopes !== undefined && scopes.length > 0) {
      return `${at} cannot be public and require scopes`
    }
    rules.push(
      Object.freeze({
        path,
        ...(methods === undefined ? {} : { methods: Object.freeze([...(methods as string[])]) }),
        ...(scopes === undefined ? {} : { scopes: Object.freeze([...(scopes as string[])]) }),
        ...(rule.public === undefined ? {} : { public: rule.public }),
      }),
    )
  }
  return Object.freeze(rules)
}

function matches(pattern: string, path: string, loose: boolean): boolean {
  // A rule that requires something also covers the trailing-slash spelling, which routers such as
  // Express (non-strict routing) serve as the same route; a public rule never does.
  if (!pattern.endsWith('/*')) return path === pattern || (loose && path === `${pattern}/`)
  const base = pattern.slice(0, -2)
  return base === '' || path === base || path.startsWith(`${base}/`)
}

/**
 * Compiles rules into a matcher over a canonical path (see `originalRequest`). Matching is
 * asymmetric, so that a case trick never loosens a rule: a `public` rule matches the path
 * exactly as written (`/HEALTH` is not `/health`), while a rule that requires something matches
 * case-insensitively (`/ADMIN/x` still needs what `/admin/*` needs, in case the upstream's router
 * ignores case).
 *
 * @example
 * ```ts
 * const rule = compileRules([{ path: '/admin/*', scopes: ['admin:all'] }])('GET', '/admin/users')
 * ```
 */
export function compileRules(rules: readonly ForwardAuthRule[]): RuleMatcher {
  const compiled = rules.map((rule) => ({
    rule,
    pattern: rule.public === true ? rule.path : rule.path.toLowerCase(),
    methods: rule.methods === undefined ? undefined : new Set(rule.methods),
  }))
  return (method, path) => {
    const lower = path.toLowerCase()
    const upperMethod = method.toUpperCase()
    for (const { rule, pattern, methods } of compiled) {
      if (methods !== undefined && !methods.has(upperMethod)) continue
      if (rule.public === true ? matches(pattern, path, false) : matches(pattern, lower, true)) {
        return rule
      }
    }
    return undefined
  }
}
