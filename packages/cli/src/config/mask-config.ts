import { CONFIG_KEYS, type ServerConfig } from '@keygate/server'

/** What a secret is shown as: a fixed string, so not even its length shows. */
export const MASK = '****'

// Keys whose name says "secret" are masked even when no one marked them in CONFIG_KEYS.
const SECRET_NAME = /(pepper|secret|password|passphrase|token)$/i
const SECRET_PARAM = /pass|secret|token|key/i

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * A URL with its password (and `password=`-style query parameters) masked:
 * `postgres://kg:****@db/keygate`. A value that does not parse is masked whole.
 *
 * @example
 * ```ts
 * maskURL('redis://:hunter2@cache:6379') // 'redis://:****@cache:6379'
 * ```
 */
export function maskURL(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return MASK
  }
  if (url.password !== '') url.password = MASK
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) url.searchParams.set(name, MASK)
  }
  // URL encodes the mask's asterisks in the query; show them as typed.
  return url.toString().replaceAll('%2A%2A%2A%2A', MASK)
}

function maskValue(path: string, value: unknown): unknown {
  // null, not undefined: an unset key stays in the JSON output, so its shape is stable.
  if (value === undefined || value === null) return null
  const spec = CONFIG_KEYS[path]
  const last = path.split('.').at(-1) ?? path
  if (spec?.secret === true) return MASK
  // A key missing from CONFIG_KEYS (a test keeps that from shipping) is masked by its name.
  if (spec === undefined && typeof value === 'string' && SECRET_NAME.test(last)) return MASK
  if (
    typeof value === 'string' &&
    (spec?.secret === 'url' || /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value))
  ) {
    return maskURL(value)
  }
  return value
}

function isLeaf(path: string, value: unknown): boolean {
  return path in CONFIG_KEYS || !isRecord(value)
}

/**
 * The configuration with every secret masked (`tokens.pepper`, passwords in database and Redis
 * URLs, and any key named like a secret), for `keygate config check`.
 */
export function maskConfig(config: ServerConfig): Record<string, unknown> {
  function walk(value: Record<string, unknown>, prefix: string): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [name, child] of Object.entries(value)) {
      const path = prefix === '' ? name : `${prefix}.${name}`
      out[name] = isLeaf(path, child)
        ? maskValue(path, child)
        : walk(child as Record<string, unknown>, path)
    }
    return out
  }
  return walk(config, '')
}

/** One row per key of the configuration, masked: `{ key, value }` in the server's order. */
export function flattenConfig(
  config: Record<string, unknown>,
  prefix = '',
): { key: string; value: unknown }[] {
  const rows: { key: string; value: unknown }[] = []
  for (const [name, value] of Object.entries(config)) {
    const path = prefix === '' ? name : `${prefix}.${name}`
    if (isLeaf(path, value)) rows.push({ key: path, value })
    else rows.push(...flattenConfig(value as Record<string, unknown>, path))
  }
  return rows
}
