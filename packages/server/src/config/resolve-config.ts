import { ConfigError } from './config-error.js'
import { defaultConfig } from './default-config.js'
import {
  checkKeys,
  collectIssues,
  fail,
  int,
  isCIDR,
  pick,
  report,
  rule,
  str,
} from './lib/checks.js'
import { resolveExternalAuth } from './resolve-external-auth.js'
import { resolveForwardAuth } from './resolve-forward-auth.js'
import { resolveIntrospection } from './resolve-introspection.js'
import { resolveMetrics } from './resolve-metrics.js'
import { resolveProxy } from './resolve-proxy.js'
import { resolveScopes } from './resolve-scopes.js'
import { resolveSessions } from './resolve-sessions.js'
import { resolveTokens } from './resolve-tokens.js'
import {
  BUILTIN_ROLES,
  BUILTIN_SCOPES,
  type ServerConfig,
  type ServerConfigInput,
} from './server-config.js'

const ROLE = /^[a-z][a-z0-9_-]{0,31}$/
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

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
  const { value: config, issues } = collectIssues(() => resolveAll(input))
  if (issues.length > 0 || config === undefined) throw new ConfigError(issues)
  return config
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
      report({ key: 'tokens.defaultScopes', message: `names an unknown scope ${scope}` })
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
    introspection: resolveIntrospection(root.introspection, defaults.introspection),
    externalAuth: resolveExternalAuth(root.externalAuth, defaults.externalAuth, tokens.prefix),
    forwardAuth: resolveForwardAuth(root.forwardAuth, defaults.forwardAuth),
    proxy: resolveProxy(root.proxy, defaults.proxy),
  }
}
