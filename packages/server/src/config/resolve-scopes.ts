import { checkKeys, collect, fail, isRecord, str } from './lib/checks.js'
import { BUILTIN_SCOPES, type ScopeDefinition } from './server-config.js'

const SCOPE = /^[a-z][a-z0-9_-]*:[a-z][a-z0-9_.-]*$/

/** Validates `scopes`: `resource:action` names, never a built-in one, granted by known roles. */
export function resolveScopes(
  value: unknown,
  roles: readonly string[],
): Readonly<Record<string, ScopeDefinition>> {
  const input = checkKeys(value ?? {}, 'scopes', Object.keys(isRecord(value) ? value : {}))
  const out: Record<string, ScopeDefinition> = {}
  for (const [scope, definition] of Object.entries(input)) {
    // A bad scope is reported and left out; the next one is still checked.
    collect(undefined, () => {
      const key = `scopes.${scope}`
      if (!SCOPE.test(scope)) fail(key, 'is not a resource:action scope name')
      if ((BUILTIN_SCOPES as readonly string[]).includes(scope)) fail(key, 'is a built-in scope')
      const def = checkKeys(definition, key, ['roles', 'description'])
      if (
        !Array.isArray(def.roles) ||
        def.roles.some((r) => typeof r !== 'string' || !roles.includes(r))
      ) {
        fail(`${key}.roles`, `must list known roles (${roles.join(', ')})`)
      }
      const entry: ScopeDefinition = { roles: Object.freeze([...(def.roles as string[])]) }
      if (def.description !== undefined)
        entry.description = str(def.description, `${key}.description`)
      out[scope] = Object.freeze(entry)
    })
  }
  return Object.freeze(out)
}
