import type { ConfigIssue, ServerConfigInput } from './config/server-config.js'

/**
 * How a string from the environment or a flag becomes a configuration value:
 * `string`; `integer`; `boolean` (`true`/`false`/`1`/`0`); `list` (comma-separated, or a JSON
 * array); `list-or-false` (a list, or `false`); `json` (any JSON value: maps and objects).
 */
export type ConfigKeyType = 'string' | 'integer' | 'boolean' | 'list' | 'list-or-false' | 'json'

/** One configuration key as the environment and `keygate config check` see it. */
export type ConfigKey = {
  type: ConfigKeyType
  /** `true`: masked in `keygate config check`; `'url'`: the URL's password is masked. */
  secret?: true | 'url'
  /** Other variable names also read for this key (names that shipped before the rule). */
  aliases?: readonly string[]
}

/**
 * Every configuration key that can be set from the environment (and its type). The variable's
 * name is derived from the key, never written here: `KEYGATE_` + each segment of the dotted path
 * in UPPER_SNAKE_CASE, joined with `_` — `tokens.pepper` → `KEYGATE_TOKENS_PEPPER`,
 * `rateLimits.createToken.perIp.limit` → `KEYGATE_RATE_LIMITS_CREATE_TOKEN_PER_IP_LIMIT`.
 *
 * Adding a key to {@link ServerConfig} is one line here (`config-env.test.ts` fails until it is
 * added), e.g. `'redis.url': { type: 'string', secret: 'url' },`. See docs/configuration.md.
 */
export const CONFIG_KEYS: Readonly<Record<string, ConfigKey>> = {
  host: { type: 'string' },
  port: { type: 'integer' },
  'database.url': { type: 'string', secret: 'url' },
  'database.schema': { type: 'string' },
  'database.migrate': { type: 'boolean' },
  'tokens.prefix': { type: 'string', aliases: ['KEYGATE_TOKEN_PREFIX'] },
  'tokens.pepper': { type: 'string', secret: true, aliases: ['KEYGATE_TOKEN_PEPPER'] },
  'tokens.minDays': { type: 'integer' },
  'tokens.maxDays': { type: 'integer' },
  'tokens.defaultDays': { type: 'integer' },
  'tokens.defaultScopes': { type: 'list' },
  'tokens.rotationGraceSeconds': { type: 'integer' },
  'tokens.maxRotationGraceSeconds': { type: 'integer' },
  scopes: { type: 'json' },
  roles: { type: 'list' },
  'rateLimits.createToken.perIp.limit': { type: 'integer' },
  'rateLimits.createToken.perIp.windowSeconds': { type: 'integer' },
  'rateLimits.createToken.perEmail.limit': { type: 'integer' },
  'rateLimits.createToken.perEmail.windowSeconds': { type: 'integer' },
  trustProxy: { type: 'list-or-false' },
  bodyLimit: { type: 'integer' },
  'cache.ttlMs': { type: 'integer' },
  'cache.maxEntries': { type: 'integer' },
  lastUsedFlushMs: { type: 'integer' },
  realm: { type: 'string' },
  logLevel: { type: 'string' },
  logFormat: { type: 'string' },
  'metrics.enabled': { type: 'boolean' },
  'metrics.protect': { type: 'string' },
  'metrics.serviceToken': { type: 'json' },
  'metrics.processMetrics': { type: 'boolean' },
  apiDocs: { type: 'boolean' },
  'redis.url': { type: 'string', secret: 'url' },
  'redis.keyPrefix': { type: 'string' },
  'sessions.ttlSeconds': { type: 'integer', aliases: ['KEYGATE_SESSION_TTL_SECONDS'] },
  'sessions.algorithm': { type: 'string', aliases: ['KEYGATE_SESSION_ALGORITHM'] },
  'sessions.keyRotationDays': { type: 'integer' },
  'sessions.publishAheadSeconds': { type: 'integer' },
  'sessions.issuer': { type: 'string', aliases: ['KEYGATE_SESSION_ISSUER'] },
  'sessions.audience': { type: 'string', aliases: ['KEYGATE_SESSION_AUDIENCE'] },
  'sessions.cookieName': { type: 'string' },
  'sessions.cookieSecure': { type: 'boolean', aliases: ['KEYGATE_SESSION_COOKIE_SECURE'] },
  'sessions.allowedOrigins': { type: 'list', aliases: ['KEYGATE_SESSION_ALLOWED_ORIGINS'] },
  'sessions.keyEncryptionSecret': {
    type: 'string',
    secret: true,
    aliases: ['KEYGATE_SESSION_KEY_ENCRYPTION_SECRET'],
  },
  'introspection.serviceToken': { type: 'json' },
  'introspection.heartbeatSeconds': { type: 'integer' },
  'introspection.backlog': { type: 'integer' },
  'introspection.maxStreams': { type: 'integer' },
  'introspection.streamBufferBytes': { type: 'integer' },
  'externalAuth.enabled': { type: 'boolean', aliases: ['KEYGATE_EXTERNAL_AUTH'] },
  'externalAuth.internalToken': {
    type: 'string',
    secret: true,
    aliases: ['KEYGATE_INTERNAL_TOKEN'],
  },
  'externalAuth.actor': { type: 'string' },
  'forwardAuth.rules': { type: 'json' },
  'forwardAuth.cacheControl': { type: 'string' },
  'forwardAuth.audience': { type: 'string' },
  'forwardAuth.assertionTtlSeconds': { type: 'integer' },
  'proxy.upstream': { type: 'string' },
  'proxy.host': { type: 'string' },
  'proxy.port': { type: 'integer' },
  'proxy.audience': { type: 'string' },
  'proxy.serviceTokenHeader': { type: 'string' },
  'proxy.serviceToken': { type: 'string', secret: true },
  'proxy.passAuthorization': { type: 'boolean' },
  'proxy.connectTimeoutMs': { type: 'integer' },
  'proxy.headersTimeoutMs': { type: 'integer' },
  'proxy.bodyTimeoutMs': { type: 'integer' },
}

/**
 * `KEYGATE_*` variables that are not configuration keys, so never reported as unknown: read by
 * the CLI, by `@keygate/core` applications, or named by a configuration value.
 */
export const OTHER_ENV_VARIABLES: readonly string[] = [
  'KEYGATE_CONFIG',
  'KEYGATE_DEV_MODE',
  'KEYGATE_SERVICE_TOKEN',
  'KEYGATE_METRICS_TOKEN',
]

/**
 * The environment variable of a configuration key: `KEYGATE_` + the dotted path in
 * UPPER_SNAKE_CASE.
 *
 * @example
 * ```ts
 * envName('cache.ttlMs') // 'KEYGATE_CACHE_TTL_MS'
 * ```
 */
export function envName(key: string): string {
  return `KEYGATE_${key
    .split('.')
    .map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('_')}`
}

/**
 * Parses one string (a variable's value or a flag) into a key's type.
 *
 * @throws TypeError whose message completes "<name> …" (`must be an integer`); it never quotes
 *   the value, which may be a secret.
 */
export function parseConfigValue(type: ConfigKeyType, raw: string): unknown {
  const text = raw.trim()
  switch (type) {
    case 'string':
      return raw
    case 'integer':
      if (!/^-?\d+$/.test(text)) throw new TypeError('must be an integer')
      return Number(text)
    case 'boolean':
      if (/^(true|1)$/i.test(text)) return true
      if (/^(false|0)$/i.test(text)) return false
      throw new TypeError('must be true or false')
    case 'list':
      return parseList(text)
    case 'list-or-false':
      return /^false$/i.test(text) ? false : parseList(text)
    case 'json':
      try {
        return JSON.parse(text) as unknown
      } catch {
        throw new TypeError('must be JSON')
      }
  }
}

function parseList(text: string): unknown {
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new TypeError('must be a comma-separated list or a JSON array')
    }
  }
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** A bad variable: the key it sets, the variable, what is wrong. */
export type ConfigEnvIssue = ConfigIssue & { source: string }

/** What {@link readConfigEnv} found. */
export type ConfigEnv = {
  /** The keys the variables set, nested as {@link resolveConfig} takes them. */
  input: ServerConfigInput
  /** The variable behind each key set (dotted path → variable name). */
  sources: Record<string, string>
  /** Variables whose value does not parse, or a key set by two names with different values. */
  issues: ConfigEnvIssue[]
  /** `KEYGATE_*` variables that are not configuration keys (probably misspelt), sorted. */
  unknown: string[]
}

function setPath(input: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split('.')
  let node = input
  for (const segment of segments.slice(0, -1)) {
    node[segment] ??= {}
    node = node[segment] as Record<string, unknown>
  }
  node[segments.at(-1)!] = value
}

/**
 * Reads every configuration key from `KEYGATE_*` variables (see {@link CONFIG_KEYS} for the
 * naming rule). An empty variable counts as unset. Nothing throws: bad values are listed in
 * `issues`, never quoted.
 *
 * @example
 * ```ts
 * const { input, issues } = readConfigEnv(process.env)
 * ```
 */
export function readConfigEnv(env: Readonly<Record<string, string | undefined>>): ConfigEnv {
  const input: Record<string, unknown> = {}
  const sources: Record<string, string> = {}
  const issues: ConfigEnvIssue[] = []
  const known = new Set(OTHER_ENV_VARIABLES)
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    const names = [envName(key), ...(spec.aliases ?? [])]
    for (const name of names) known.add(name)
    const set = names.filter((name) => env[name] !== undefined && env[name] !== '')
    if (set.length === 0) continue
    const [name] = set as [string, ...string[]]
    if (set.some((other) => env[other] !== env[name])) {
      issues.push({
        key,
        source: set.join(', '),
        message: `is set by ${set.join(' and ')} to different values`,
      })
      continue
    }
    try {
      setPath(input, key, parseConfigValue(spec.type, env[name]!))
      sources[key] = name
    } catch (error) {
      issues.push({ key, source: name, message: (error as Error).message })
    }
  }
  const unknown = Object.keys(env)
    .filter(
      (name) =>
        name.startsWith('KEYGATE_') && !known.has(name) && !name.startsWith('KEYGATE_TEST_'),
    )
    .sort()
  return { input, sources, issues, unknown }
}

/**
 * The configuration keys set by `KEYGATE_*` variables, for {@link resolveConfig}. `keygate serve`
 * layers flags over this and this over `keygate.config.json` (`@keygate/cli`'s `loadConfig`).
 *
 * @throws TypeError naming the first variable whose value does not parse
 *   (`keygate config: KEYGATE_PORT must be an integer`).
 * @example
 * ```ts
 * const config = resolveConfig(configFromEnv(process.env))
 * ```
 */
export function configFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): ServerConfigInput {
  const { input, issues } = readConfigEnv(env)
  const [first] = issues
  if (first !== undefined) throw new TypeError(`keygate config: ${first.source} ${first.message}`)
  return input
}
