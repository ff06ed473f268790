import type { ServerConfig } from './server-config.js'

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
    introspection: {
      serviceToken: { env: 'KEYGATE_SERVICE_TOKEN' },
      heartbeatSeconds: 15,
      backlog: 10_000,
    },
    externalAuth: { enabled: false, internalToken: undefined, actor: 'external-auth' },
    forwardAuth: {
      rules: [],
      cacheControl: 'no-store',
      audience: undefined,
      assertionTtlSeconds: 30,
    },
    proxy: {
      upstream: undefined,
      host: '127.0.0.1',
      port: 4401,
      audience: undefined,
      serviceTokenHeader: 'x-service-token',
      serviceToken: undefined,
      passAuthorization: false,
      connectTimeoutMs: 5000,
      headersTimeoutMs: 30_000,
      bodyTimeoutMs: 30_000,
    },
  }
}
