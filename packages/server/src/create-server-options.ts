import type { SecretSource } from '@keygate/core'
import type { FastifyInstance } from 'fastify'
import type { ServerConfig } from './config.js'
import type { ServerContext } from './context.js'
import type { CollectedRoute } from './openapi/index.js'
import type { RateLimiter } from './rate-limit/rate-limiter.js'
import type { RevocationBus } from './revocation/revocation-bus.js'
import type { Store } from './store/types.js'

/** Options of {@link createServer} beyond the configuration: things to share or inspect. */
export type CreateServerOptions = {
  /**
   * Where the internal token of external auth comes from (any `SecretSource`), instead of
   * `externalAuth.internalToken`. Only with `externalAuth.enabled`.
   */
  internalTokenSource?: SecretSource
  /** Use this store instead of opening `config.database`; the caller closes it. */
  store?: Store
  /** Default: in Redis when `redis.url` is set (shared), else in memory (one instance). */
  rateLimiter?: RateLimiter
  /**
   * Carries revocations to the other instances. Default: from the configuration (Redis pub/sub,
   * PostgreSQL LISTEN/NOTIFY, or none on SQLite; docs/scaling.md). Closed with the server.
   */
  revocationBus?: RevocationBus
  /**
   * Where the service token of `POST /v1/auth/introspect` and `GET /v1/auth/revocations` comes
   * from (any `SecretSource`: AWS Secrets Manager, …), instead of `introspection.serviceToken`.
   */
  serviceTokenSource?: SecretSource
  /** Where log lines go (pino JSON, one per line; pino-pretty with `logFormat: pretty`). Default stdout. */
  logStream?: { write(line: string): void }
}

/** The token service: a Fastify instance plus what it was built with. */
export type KeygateServer = FastifyInstance & {
  readonly tokenService: {
    readonly config: ServerConfig
    readonly store: Store
    /** Every route registered, one entry per method (what `/openapi.json` describes). */
    readonly routes: readonly CollectedRoute[]
    /** The bus revocations travel on between instances, if any (subscribe to observe it). */
    readonly revocations: RevocationBus | undefined
    /** The forward-auth gate (`/v1/auth/check`), which `keygate proxy` decides with too. */
    readonly edge: ServerContext['edge']
  }
}
