import type { ForwardAuthRule } from '../edge/forward-auth-rules.js'

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
  /**
   * `POST /v1/auth/introspect` and `GET /v1/auth/revocations`, for services that verify keygate
   * credentials remotely (docs/remote-verification.md).
   */
  introspection: {
    /**
     * Where the service token callers present comes from: `{ env: NAME }` (one value, or several
     * comma-separated during a rotation) or `{ file: PATH }` (one per line, re-read on change).
     * Default `{ env: 'KEYGATE_SERVICE_TOKEN' }`. Unset: both routes answer `503 auth_not_configured`.
     */
    serviceToken: MetricsTokenSource
    /** How often the revocation stream sends a heartbeat comment, in seconds (1–300). Default 15. */
    heartbeatSeconds: number
    /** Revocation events kept for `Last-Event-ID` resumption (10–1 000 000). Default 10 000. */
    backlog: number
    /**
     * Revocation streams open at once on this instance (1–100 000); one more is
     * `503 auth_unavailable` with `Retry-After`. Default 1000.
     */
    maxStreams: number
    /**
     * Bytes a revocation stream may hold unsent beyond its initial replay, for a client that does
     * not read (4 KiB–64 MiB); past it, or after 30 s without draining, the stream is closed and
     * the client resumes with `Last-Event-ID`. Default 1 MiB.
     */
    streamBufferBytes: number
  }
  /** `/v1/auth/check` for nginx, Traefik and Envoy, and `keygate proxy` (docs/edge.md). */
  forwardAuth: {
    /** What each original route needs; the first match decides. Default none (any valid credential). */
    rules: readonly ForwardAuthRule[]
    /** `Cache-Control` of allowed `/v1/auth/check` answers. Default `no-store`. */
    cacheControl: string
    /**
     * `aud` of assertions issued by `/v1/auth/check`. Unset: no assertion is issued (the audience
     * is never taken from the request's Host).
     */
    audience?: string | undefined
    /** Lifetime of a `Keygate-Assertion`, in seconds (1–60). Default 30. */
    assertionTtlSeconds: number
  }
  /** `keygate proxy` (docs/edge.md). */
  proxy: {
    /** The service behind the proxy: an `http://` or `https://` URL, optionally with a base path. */
    upstream?: string | undefined
    /** Interface to listen on. Default `127.0.0.1`. */
    host: string
    /** Port to listen on. Default `4401`. */
    port: number
    /** `aud` of the assertions. Default: the upstream's origin. */
    audience?: string | undefined
    /** Header the service token is sent in. Default `x-service-token`. */
    serviceTokenHeader: string
    /** The service token sent to the upstream (several comma-separated: the first). Never logged. */
    serviceToken?: string | undefined
    /** Forward the client's `Authorization` header. Default false (stripped). */
    passAuthorization: boolean
    /** Bound on connecting to the upstream, in ms (then `502`). Default 5000. */
    connectTimeoutMs: number
    /** Bound on the upstream's response headers, in ms (then `504`). Default 30000. */
    headersTimeoutMs: number
    /** Longest pause between two body chunks, in ms, either way. Default 30000. */
    bodyTimeoutMs: number
  }
}

/** A secret source named in configuration: an environment variable, or a file (one per line). */
export type MetricsTokenSource = { env: string } | { file: string }

/** Every key optional, recursively (lists stay whole). */
export type DeepPartial<T> = {
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

/** One bad key of a configuration: its dotted path and what is wrong with it. */
export type ConfigIssue = { key: string; message: string }
