type QuerySchema = { properties?: Record<string, { type?: string }> }

/**
 * Coerces query-string values to the types their route schema declares (`integer`, `boolean`),
 * in place, before validation. ajv's own `coerceTypes` is off so that JSON bodies are validated
 * strictly (`"30"` is not `30`); query strings are text by nature, so they get this instead.
 * Values that do not convert cleanly are left as strings for ajv to reject.
 */
export function coerceQuery(query: unknown, schema: unknown): void {
  if (query === null || typeof query !== 'object' || schema === null || typeof schema !== 'object')
    return
  const properties = (schema as QuerySchema).properties ?? {}
  const values = query as Record<string, unknown>
  for (const [name, definition] of Object.entries(properties)) {
    const value = values[name]
    if (typeof value !== 'string') continue
    if (definition.type === 'integer' && /^-?\d{1,15}$/.test(value)) values[name] = Number(value)
    else if (definition.type === 'boolean' && (value === 'true' || value === 'false'))
      values[name] = value === 'true'
  }
}
