import { isIP } from 'node:net'

/** A fixed-window rate limit: at most `limit` attempts per `windowSeconds`. */
export type RateLimitRule = { limit: number; windowSeconds: number }

/** An application scope and the roles allowed to grant it (`admin` may grant every scope). */
export type ScopeDefinition = { roles: readonly string[]; description?: string }

/**
 * The token service's configuration, every default filled in. Build it with
 * {@link resolveConfig}, which validates it once and names the bad key.
 */
export type ServerConfig = {
  /** Interface to listen on. Default `127.0.0.1`. */
  host: string
  /** Port to listen on (0: any free port). Default `4400`. */
  port: number
  database: {
    /** `sqlite:<path>` (default `sqlite:./data/keygate.db`), `sqlite::memory:` or `postgres://…`. */
    url: string
    /** PostgreSQL schema (default `public`). */
    schema?: string | undefined
    /** Apply pending migrations at start. Default true. */
    migrate: boolean
  }
  tokens: {
    /** Token prefix: lower-case letters, digits and `_`, 1–16 characters. Default `kg`. */
    prefix: string
    /** Server pepper: digests become HMAC-SHA256 keyed with it. Optional; never logged. */
    pepper?: string | undefined
    /** Shortest expiry a token may be created with, in days (1–365). Default 1. */
    minDays: number
    /** Longest expiry, in days (1–365). Default 30. */
    maxDays: number
    /** Expiry when the request names none; within min–max. Default 30 (capped by maxDays). */
    defaultDays: number
    /** Scopes of a token whose request names none. Default none. */
    defaultScopes: readonly string[]
    /** How long a rotated token's old secret keeps working when the request names none. Default 3600. */
    rotationGraceSeconds: number
    /** Longest grace period a rotation may ask for. Default 7 days. */
    maxRotationGraceSeconds: number
  }
  /** Application scopes (`resource:action`) and the roles that may grant them. */
  scopes: Readonly<Record<string, ScopeDefinition>>
  /** Roles besides the built-in `admin` and `user`. */
  roles: readonly string[]
  rateLimits: {
    /** `POST /v1/auth/tokens`: per client IP and per email. Default 5 per 15 minutes each. */
    createToken: { perIp: RateLimitRule; perEmail: RateLimitRule }
  }
  /**
   * Proxies whose `X-Forwarded-For` is believed: a list of IPs or CIDRs, or `false` (default):
   * the client IP is the socket's peer address.
   */
  trustProxy: false | readonly string[]
  /** Largest request body, in bytes. Default 16384. */
  bodyLimit: number
  /** The API-token verification cache. */
  cache: {
    /** How long a verified token is trusted without asking the store, in ms. Default 5000. */
    ttlMs: number
    /** Most tokens kept. Default 10000. */
    maxEntries: number
  }
  /** How often batched last-used times are written, in ms. Default 10000. */
  lastUsedFlushMs: number
  /** `realm` of `WWW-Authenticate` challenges. Default `keygate`. */
  realm: string
  /** pino level, or `silent`. Default `info`. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /**
   * `json` (one pino object per line), `pretty` (pino-pretty, for a terminal) or `auto`
   * (default): pretty when stdout is a TTY, JSON otherwise. See docs/observability.md.
   */
  logFormat: 'json' | 'pretty' | 'auto'
  /** `GET /metrics`, Prometheus text format. See docs/observability.md. */
  metrics: {
    /** Serve `/metrics`. Default true. */
    enabled: boolean
    /** `open` (default: anyone may scrape) or `service-token` (`Authorization: Bearer <secret>`). */
    protect: 'open' | 'service-token'
    /** Where the scrape secret comes from when protected. Default `{ env: 'KEYGATE_METRICS_TOKEN' }`. */
    serviceToken: MetricsTokenSource
    /** Also export Node.js process metrics (CPU, memory, event loop, GC). Default true. */
    processMetrics: boolean
  }
  /** Serve `GET /openapi.json` and `GET /docs` to anyone. Default true. */
  apiDocs: boolean
  /**
   * Redis shared by every instance: rate limits and revocation broadcasts (docs/scaling.md).
   * Without it, rate limits are per instance, and revocations travel over PostgreSQL
   * `LISTEN`/`NOTIFY` when the database is PostgreSQL.
   */
  redis: {
    /** `redis://[user:password@]host:port[/db]` or `rediss://…`. Default: none. Never logged. */
    url?: string | undefined
    /** Prefix of every key and of the revocation channel. Default `keygate:`. */
    keyPrefix: string
  }
  /** Signed sessions: `POST /v1/auth/sessions`, the session cookie, the JWKS (docs/sessions.md). */
  sessions: {
    /** Lifetime of a session, in seconds (60–86400). Default 900 (15 minutes). */
    ttlSeconds: number
    /** Algorithm of new signing keys: `EdDSA` (Ed25519, default) or `ES256` (P-256). */
    algorithm: 'EdDSA' | 'ES256'
    /** How long one signing key signs before the next takes over, in days (1–365). Default 30. */
    keyRotationDays: number
    /** How long a new key is published in the JWKS before it signs, in seconds. Default 3600. */
    publishAheadSeconds: number
    /** `iss` of every session. Default `keygate`. */
    issuer: string
    /** `aud` of every session. Default `keygate`. */
    audience: string
    /** Default `__Host-keygate_session`, or `keygate_session` when `cookieSecure` is false. */
    cookieName: string
    /** `Secure` cookie. Default true; false only when `host` is a loopback address (plain-http development). */
    cookieSecure: boolean
    /** Origins besides the server's own from which a cookie session may write. Default none. */
    allowedOrigins: readonly string[]
    /** Encrypts signing private keys at rest (at least 32 characters). Optional; never logged. */
    keyEncryptionSecret?: string | undefined
  }
  /** External auth backend: `internalToken` + `X-On-Behalf-Of` (docs/external-auth.md). */
  externalAuth: {
    /** Turns the mode on. Default false. */
    enabled: boolean
    /** The internal token (at least 32 bytes; several comma-separated during a rotation). Never logged. */
    internalToken?: string | undefined
    /** Names the calling service in `principal.actor`. Default `external-auth`. */
    actor: string
  }
}

/** A secret source named in configuration: an environment variable, or a file (one per line). */
export type MetricsTokenSource = { env: string } | { file: string }

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[]
    ? T[K]
    : T[K] extends Record<string, unknown>
      ? DeepPartial<T[K]>
      : T[K]
}

/** What {@link resolveConfig} accepts: any subset of {@link ServerConfig}. */
export type ServerConfigInput = DeepPartial<Omit<ServerConfig, 'rateLimits' | 'scopes'>> & {
  scopes?: Readonly<Record<string, ScopeDefinition>>
  rateLimits?: {
    createToken?: { perIp?: Partial<RateLimitRule>; perEmail?: Partial<RateLimitRule> }
  }
}

/** Scopes of the token service itself (SPEC §5). */
export const BUILTIN_SCOPES = [
  'tokens:read',
  'tokens:write',
  'tokens:manage',
  'users:manage',
  'audit:read',
] as const

/** Roles every deployment has. */
export const BUILTIN_ROLES = ['admin', 'user'] as const

const SCOPE = /^[a-z][a-z0-9_-]*:[a-z][a-z0-9_.-]*$/
const ROLE = /^[a-z][a-z0-9_-]{0,31}$/
const PREFIX = /^[a-z0-9_]{1,16}$/
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** The defaults, as documented in the README. */
export function defaultConfig(): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 4400,
    database: { url: 'sqlite:./data/keygate.db', schema: undefined, migrate: true },
    tokens: {
      prefix: 'kg',
      pepper: undefined,
      minDays: 1,
      maxDays: 30,
      defaultDays: 30,
      defaultScopes: [],
      rotationGraceSeconds: 3600,
      maxRotationGraceSeconds: 7 * 24 * 3600,
    },
    scopes: {},
    roles: [],
    rateLimits: {
      createToken: {
        perIp: { limit: 5, windowSeconds: 900 },
        perEmail: { limit: 5, windowSeconds: 900 },
      },
    },
    trustProxy: false,
    bodyLimit: 16 * 1024,
    cache: { ttlMs: 5000, maxEntries: 10_000 },
    lastUsedFlushMs: 10_000,
    realm: 'keygate',
    logLevel: 'info',
    logFormat: 'auto',
    metrics: {
      enabled: true,
      protect: 'open',
      serviceToken: { env: 'KEYGATE_METRICS_TOKEN' },
      processMetrics: true,
    },
    apiDocs: true,
    redis: { url: undefined, keyPrefix: 'keygate:' },
    sessions: {
      ttlSeconds: 900,
      algorithm: 'EdDSA',
      keyRotationDays: 30,
      publishAheadSeconds: 3600,
      issuer: 'keygate',
      audience: 'keygate',
      cookieName: '__Host-keygate_session',
      cookieSecure: true,
      allowedOrigins: [],
      keyEncryptionSecret: undefined,
    },
    externalAuth: { enabled: false, internalToken: undefined, actor: 'external-auth' },
  }
}

/** One bad key of a configuration: its dotted path and what is wrong with it. */
export type ConfigIssue = { key: string; message: string }

/**
 * Thrown by {@link resolveConfig}: every bad key, one line each (`keygate config: <key> <what>`).
 * `issues` lists them for tools (`keygate config check`).
 */
export class ConfigError extends TypeError {
  readonly issues: readonly ConfigIssue[]
  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((i) => `keygate config: ${i.key} ${i.message}`).join('\n'))
    this.name = 'ConfigError'
    this.issues = Object.freeze([...issues])
  }
}

/** One bad key, thrown by a check and collected by `pick` (or by `resolveConfig` itself). */
class BadKey extends TypeError {
  constructor(readonly issue: ConfigIssue) {
    super(`keygate config: ${issue.key} ${issue.message}`)
  }
}

// The issues of the resolveConfig() call in progress (it is synchronous: no interleaving).
let issues: ConfigIssue[] = []

function fail(key: string, message: string): never {
  throw new BadKey({ key, message })
}

/** Runs `check`; a bad key is collected and `fallback` returned, so every bad key is reported. */
function collect<T>(fallback: T, check: () => T): T {
  try {
    return check()
  } catch (error) {
    if (!(error instanceof BadKey)) throw error
    issues.push(error.issue)
    return fallback
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function checkKeys(
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

function int(value: unknown, key: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(key, `must be an integer between ${min} and ${max}`)
  }
  return value
}

function str(value: unknown, key: string): string {
  if (typeof value !== 'string' || value === '') fail(key, 'must be a non-empty string')
  return value
}

function pick<T>(
  input: Record<string, unknown>,
  name: string,
  fallback: T,
  check: (v: unknown) => T,
): T {
  return input[name] === undefined ? fallback : collect(fallback, () => check(input[name]))
}

function isCIDR(entry: string): boolean {
  const slash = entry.indexOf('/')
  const ip = slash === -1 ? entry : entry.slice(0, slash)
  const family = isIP(ip)
  if (family === 0) return false
  if (slash === -1) return true
  const bits = entry.slice(slash + 1)
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)
}

function rule(value: unknown, key: string, fallback: RateLimitRule): RateLimitRule {
  const input = checkKeys(value ?? {}, key, ['limit', 'windowSeconds'])
  return {
    limit: pick(input, 'limit', fallback.limit, (v) => int(v, `${key}.limit`, 1, 1_000_000)),
    windowSeconds: pick(input, 'windowSeconds', fallback.windowSeconds, (v) =>
      int(v, `${key}.windowSeconds`, 1, 7 * 24 * 3600),
    ),
  }
}

function resolveTokens(value: unknown, defaults: ServerConfig['tokens']): ServerConfig['tokens'] {
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

function resolveScopes(
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

/**
 * Fills in the defaults and validates a configuration, once, at start.
 *
 * @throws ConfigError (a TypeError) naming every bad key, one line each (`keygate config:
 *   tokens.maxDays must be …`); unknown keys are errors.
 * @example
 * ```ts
 * const config = resolveConfig({ port: 0, database: { url: 'sqlite:/tmp/kg.db' } })
 * ```
 */
export function resolveConfig(input: ServerConfigInput = {}): ServerConfig {
  const outer = issues
  issues = []
  try {
    const config = collect(undefined, () => resolveAll(input))
    if (issues.length > 0 || config === undefined) throw new ConfigError(issues)
    return config
  } finally {
    issues = outer
  }
}

function resolveAll(input: ServerConfigInput): ServerConfig {
  const defaults = defaultConfig()
  const root = checkKeys(input, '', Object.keys(defaults))
  const host = pick(root, 'host', defaults.host, (v) => str(v, 'host'))
  const port = pick(root, 'port', defaults.port, (v) => int(v, 'port', 0, 65535))

  const db = checkKeys(root.database ?? {}, 'database', ['url', 'schema', 'migrate'])
  const url = pick(db, 'url', defaults.database.url, (v) => {
    const s = str(v, 'database.url')
    if (!s.startsWith('sqlite:') && !/^postgres(ql)?:\/\//.test(s)) {
      fail('database.url', 'must be sqlite:<path> or postgres://…')
    }
    return s
  })
  const schema = pick<string | undefined>(db, 'schema', undefined, (v) => {
    if (typeof v !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(v)) {
      fail('database.schema', 'must be a lower-case SQL identifier')
    }
    return v
  })
  const migrate = pick(db, 'migrate', defaults.database.migrate, (v) => {
    if (typeof v !== 'boolean') fail('database.migrate', 'must be a boolean')
    return v
  })

  const roles = pick(root, 'roles', defaults.roles, (v) => {
    if (!Array.isArray(v)) fail('roles', 'must be a list of role names')
    for (const r of v) {
      if (typeof r !== 'string' || !ROLE.test(r))
        fail('roles', `entry ${JSON.stringify(r)} is not a role name`)
      if ((BUILTIN_ROLES as readonly string[]).includes(r)) fail('roles', `entry ${r} is built in`)
    }
    return Object.freeze([...(v as string[])])
  })
  const allRoles = [...BUILTIN_ROLES, ...roles]
  const scopes = resolveScopes(root.scopes, allRoles)
  const tokens = resolveTokens(root.tokens, defaults.tokens)
  const known = [...BUILTIN_SCOPES, ...Object.keys(scopes)]
  for (const scope of tokens.defaultScopes) {
    if (!known.includes(scope)) {
      issues.push({ key: 'tokens.defaultScopes', message: `names an unknown scope ${scope}` })
    }
  }

  const limits = checkKeys(root.rateLimits ?? {}, 'rateLimits', ['createToken'])
  const create = checkKeys(limits.createToken ?? {}, 'rateLimits.createToken', [
    'perIp',
    'perEmail',
  ])
  const rateLimits = {
    createToken: {
      perIp: rule(
        create.perIp,
        'rateLimits.createToken.perIp',
        defaults.rateLimits.createToken.perIp,
      ),
      perEmail: rule(
        create.perEmail,
        'rateLimits.createToken.perEmail',
        defaults.rateLimits.createToken.perEmail,
      ),
    },
  }

  const trustProxy = pick<false | readonly string[]>(root, 'trustProxy', false, (v) => {
    if (v === false) return false
    if (!Array.isArray(v) || v.length === 0)
      fail('trustProxy', 'must be false or a non-empty list of IPs/CIDRs')
    for (const entry of v) {
      if (typeof entry !== 'string' || !isCIDR(entry)) {
        fail('trustProxy', `entry ${JSON.stringify(entry)} is not an IP or CIDR`)
      }
    }
    return Object.freeze([...(v as string[])])
  })
  const bodyLimit = pick(root, 'bodyLimit', defaults.bodyLimit, (v) =>
    int(v, 'bodyLimit', 1024, 1024 * 1024),
  )
  const cacheInput = checkKeys(root.cache ?? {}, 'cache', ['ttlMs', 'maxEntries'])
  const cache = {
    ttlMs: pick(cacheInput, 'ttlMs', defaults.cache.ttlMs, (v) =>
      int(v, 'cache.ttlMs', 0, 3_600_000),
    ),
    maxEntries: pick(cacheInput, 'maxEntries', defaults.cache.maxEntries, (v) =>
      int(v, 'cache.maxEntries', 0, 10_000_000),
    ),
  }
  const lastUsedFlushMs = pick(root, 'lastUsedFlushMs', defaults.lastUsedFlushMs, (v) =>
    int(v, 'lastUsedFlushMs', 10, 3_600_000),
  )
  const realm = pick(root, 'realm', defaults.realm, (v) => {
    const s = str(v, 'realm')
    if (!/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/.test(s))
      fail('realm', 'must be printable ASCII without " or \\')
    return s
  })
  const logLevel = pick(root, 'logLevel', defaults.logLevel, (v) => {
    if (typeof v !== 'string' || !(LOG_LEVELS as readonly string[]).includes(v)) {
      fail('logLevel', `must be one of ${LOG_LEVELS.join(', ')}`)
    }
    return v as ServerConfig['logLevel']
  })
  const logFormat = pick(root, 'logFormat', defaults.logFormat, (v) => {
    if (v !== 'json' && v !== 'pretty' && v !== 'auto') {
      fail('logFormat', 'must be one of json, pretty, auto')
    }
    return v
  })
  const metrics = resolveMetrics(root.metrics, defaults.metrics)
  const apiDocs = pick(root, 'apiDocs', defaults.apiDocs, (v) => {
    if (typeof v !== 'boolean') fail('apiDocs', 'must be a boolean')
    return v
  })
  const redisInput = checkKeys(root.redis ?? {}, 'redis', ['url', 'keyPrefix'])
  const redis = {
    // The URL may hold a password: messages name the key, never the value.
    url: pick<string | undefined>(redisInput, 'url', undefined, (v) => {
      if (typeof v !== 'string' || !/^rediss?:\/\/[^/?#]/.test(v)) {
        fail('redis.url', 'must be redis://host:port or rediss://host:port')
      }
      return v
    }),
    keyPrefix: pick(redisInput, 'keyPrefix', defaults.redis.keyPrefix, (v) => {
      if (typeof v !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(v)) {
        fail('redis.keyPrefix', 'must be 1-64 of [A-Za-z0-9_.:-]')
      }
      return v
    }),
  }

  return {
    host,
    port,
    database: { url, schema, migrate },
    tokens,
    scopes,
    roles,
    rateLimits,
    trustProxy,
    bodyLimit,
    cache,
    lastUsedFlushMs,
    realm,
    logLevel,
    logFormat,
    metrics,
    apiDocs,
    redis,
    sessions: resolveSessions(root.sessions, defaults.sessions, host),
    externalAuth: resolveExternalAuth(root.externalAuth, defaults.externalAuth, tokens.prefix),
  }
}

function resolveMetrics(
  value: unknown,
  defaults: ServerConfig['metrics'],
): ServerConfig['metrics'] {
  const input = checkKeys(value ?? {}, 'metrics', Object.keys(defaults))
  const flag = (name: 'enabled' | 'processMetrics') =>
    pick(input, name, defaults[name], (v) => {
      if (typeof v !== 'boolean') fail(`metrics.${name}`, 'must be a boolean')
      return v
    })
  const protect = pick(input, 'protect', defaults.protect, (v) => {
    if (v !== 'open' && v !== 'service-token') {
      fail('metrics.protect', 'must be open or service-token')
    }
    return v
  })
  const serviceToken = pick(input, 'serviceToken', defaults.serviceToken, (v) => {
    const source = checkKeys(v, 'metrics.serviceToken', ['env', 'file'])
    const names = Object.keys(source)
    if (names.length !== 1) fail('metrics.serviceToken', 'must be { env: NAME } or { file: PATH }')
    if (source.env !== undefined) {
      const name = str(source.env, 'metrics.serviceToken.env')
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        fail('metrics.serviceToken.env', 'must be an environment variable name')
      }
      return { env: name }
    }
    return { file: str(source.file, 'metrics.serviceToken.file') }
  })
  return { enabled: flag('enabled'), protect, serviceToken, processMetrics: flag('processMetrics') }
}

const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '::1', '[::1]', 'localhost']
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// RFC 6750 §2.1 b64token: what an `Authorization: Bearer` value may hold.
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

function bool(value: unknown, key: string): boolean {
  if (typeof value !== 'boolean') fail(key, 'must be a boolean')
  return value
}

function resolveSessions(
  value: unknown,
  defaults: ServerConfig['sessions'],
  host: string,
): ServerConfig['sessions'] {
  const input = checkKeys(value ?? {}, 'sessions', Object.keys(defaults))
  const ttlSeconds = pick(input, 'ttlSeconds', defaults.ttlSeconds, (v) =>
    int(v, 'sessions.ttlSeconds', 60, 86_400),
  )
  const algorithm = pick(input, 'algorithm', defaults.algorithm, (v) => {
    if (v !== 'EdDSA' && v !== 'ES256') fail('sessions.algorithm', 'must be EdDSA or ES256')
    return v
  })
  const keyRotationDays = pick(input, 'keyRotationDays', defaults.keyRotationDays, (v) =>
    int(v, 'sessions.keyRotationDays', 1, 365),
  )
  const publishAheadSeconds = pick(
    input,
    'publishAheadSeconds',
    Math.min(defaults.publishAheadSeconds, keyRotationDays * 43_200),
    (v) => int(v, 'sessions.publishAheadSeconds', 60, keyRotationDays * 86_400 - 1),
  )
  const text = (name: 'issuer' | 'audience') =>
    pick(input, name, defaults[name], (v) => {
      const s = str(v, `sessions.${name}`)
      if (!/^[\x21-\x7e]{1,256}$/.test(s))
        fail(`sessions.${name}`, 'must be 1-256 printable characters without spaces')
      return s
    })
  const cookieSecure = pick(input, 'cookieSecure', defaults.cookieSecure, (v) => {
    const secure = bool(v, 'sessions.cookieSecure')
    if (!secure && !LOOPBACK_HOSTS.includes(host)) {
      fail(
        'sessions.cookieSecure',
        'may be false only when host is a loopback address (127.0.0.1, ::1, localhost): plain-http development',
      )
    }
    return secure
  })
  const cookieName = pick(
    input,
    'cookieName',
    cookieSecure ? defaults.cookieName : 'keygate_session',
    (v) => {
      if (typeof v !== 'string' || !COOKIE_NAME.test(v) || v.length > 64) {
        fail('sessions.cookieName', 'must be a cookie name (1-64 token characters)')
      }
      if (!cookieSecure && /^__(host|secure)-/i.test(v)) {
        fail(
          'sessions.cookieName',
          'may not start with __Host- or __Secure- when cookieSecure is false',
        )
      }
      return v
    },
  )
  const allowedOrigins = pick(input, 'allowedOrigins', defaults.allowedOrigins, (v) => {
    if (!Array.isArray(v)) fail('sessions.allowedOrigins', 'must be a list of origins')
    for (const entry of v) {
      let origin: string | undefined
      try {
        origin = typeof entry === 'string' ? new URL(entry).origin : undefined
      } catch {
        origin = undefined
      }
      if (origin === undefined || origin !== entry || !/^https?:/.test(origin)) {
        fail(
          'sessions.allowedOrigins',
          `entry ${JSON.stringify(entry)} is not an origin like https://console.example.com`,
        )
      }
    }
    return Object.freeze([...(v as string[])])
  })
  const keyEncryptionSecret = pick<string | undefined>(
    input,
    'keyEncryptionSecret',
    undefined,
    (v) => {
      if (typeof v !== 'string' || v.length < 32) {
        fail('sessions.keyEncryptionSecret', 'must be at least 32 characters')
      }
      return v
    },
  )
  return {
    ttlSeconds,
    algorithm,
    keyRotationDays,
    publishAheadSeconds,
    issuer: text('issuer'),
    audience: text('audience'),
    cookieName,
    cookieSecure,
    allowedOrigins,
    keyEncryptionSecret,
  }
}

function resolveExternalAuth(
  value: unknown,
  defaults: ServerConfig['externalAuth'],
  prefix: string,
): ServerConfig['externalAuth'] {
  const input = checkKeys(value ?? {}, 'externalAuth', Object.keys(defaults))
  const enabled = pick(input, 'enabled', defaults.enabled, (v) => bool(v, 'externalAuth.enabled'))
  // The value is a secret: messages name the key and the rule, never the value.
  const internalToken = pick<string | undefined>(input, 'internalToken', undefined, (v) => {
    if (typeof v !== 'string') fail('externalAuth.internalToken', 'must be a string')
    for (const secret of v.split(',').map((s) => s.trim())) {
      if (Buffer.byteLength(secret) < 32) {
        fail(
          'externalAuth.internalToken',
          'must be at least 32 bytes (e.g. openssl rand -base64 32)',
        )
      }
      if (!BEARER_TOKEN.test(secret)) {
        fail(
          'externalAuth.internalToken',
          'must be sendable as a bearer token: [A-Za-z0-9-._~+/] then =',
        )
      }
      if (secret.startsWith(`${prefix}_`) || secret.split('.').length === 3) {
        fail('externalAuth.internalToken', 'must not look like an API token or a JWT')
      }
    }
    return v
  })
  const actor = pick(input, 'actor', defaults.actor, (v) => {
    if (typeof v !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(v)) {
      fail('externalAuth.actor', 'must be 1-64 of [A-Za-z0-9._-]')
    }
    return v
  })
  return { enabled, internalToken, actor }
}

// Reading `KEYGATE_*` variables lives beside the table of keys; re-exported for existing imports.
export { configFromEnv } from './config-env.js'
