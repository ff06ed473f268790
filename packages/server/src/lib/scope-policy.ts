import { BUILTIN_ROLES, BUILTIN_SCOPES, type ServerConfig } from '../config.js'

/** Which scopes exist and which role may grant which (SPEC §5). */
export type ScopePolicy = {
  /** Every known scope: built-in first, then the application's, in config order. */
  readonly scopes: readonly string[]
  /** Every known role. */
  readonly roles: readonly string[]
  isKnown(scope: string): boolean
  /** True when a user with `role` may put `scope` on a token. Unknown roles grant nothing. */
  canGrant(role: string, scope: string): boolean
}

/** Scopes every role may grant: a user manages their own tokens. */
const SELF_SCOPES: readonly string[] = ['tokens:read', 'tokens:write']

/**
 * Builds the policy from config: `admin` grants every scope; `user` and configured roles grant
 * `tokens:read`, `tokens:write` and the application scopes that list them.
 *
 * @example
 * ```ts
 * const policy = createScopePolicy(config)
 * policy.canGrant('user', 'tokens:manage') // false
 * ```
 */
export function createScopePolicy(config: Pick<ServerConfig, 'scopes' | 'roles'>): ScopePolicy {
  const scopes = [...BUILTIN_SCOPES, ...Object.keys(config.scopes)]
  const roles = [...BUILTIN_ROLES, ...config.roles]
  const grants = new Map<string, Set<string>>()
  for (const role of roles) {
    const set = new Set(role === 'admin' ? scopes : SELF_SCOPES)
    for (const [scope, def] of Object.entries(config.scopes))
      if (def.roles.includes(role)) set.add(scope)
    grants.set(role, set)
  }
  const known = new Set(scopes)
  return {
    scopes: Object.freeze(scopes),
    roles: Object.freeze(roles),
    isKnown: (scope) => known.has(scope),
    canGrant: (role, scope) => grants.get(role)?.has(scope) === true,
  }
}
