import type { Redis } from 'ioredis'
import type { APITokensStrategy } from '@keygate/core'
import type { FastifyBaseLogger } from 'fastify'
import type { Audit } from './audit/create-audit-recorder.js'
import type { GateOptions } from './auth/create-gate.js'
import type { ServerConfig } from './config.js'
import type { EdgeGate } from './edge/create-edge-gate.js'
import type { PeerTrust } from './edge/trusted-peers.js'
import type { ExternalAuth } from './external-auth/create-external-auth.js'
import type { ScopePolicy } from './lib/scope-policy.js'
import type { ServerMetrics } from './metrics/create-metrics.js'
import type { OpenAPIDocument } from './openapi/build-openapi-document.js'
import type { RateLimiter } from './rate-limit/rate-limiter.js'
import type { SessionService } from './sessions/create-session-service.js'
import type { Store } from './store/types.js'

/** What every route is built with. */
export type ServerContext = {
  readonly config: ServerConfig
  readonly store: Store
  readonly policy: ScopePolicy
  readonly rateLimiter: RateLimiter
  /**
   * Drops a token from this instance's verification cache and tells the other instances to
   * (docs/scaling.md): called on revoke and rotate, so the change takes effect on this instance
   * at once and on the others within the documented bound.
   */
  readonly invalidate: (tokenId: string, details?: { graceUntil?: Date }) => void
  /** The server's own `apiTokens` strategy (introspection answers with its verdict). */
  readonly tokenStrategy: APITokensStrategy
  /** The same for every token of a user (disabled, or a role that lost scopes). */
  readonly invalidateUser: (userId: string) => void
  /** The Redis client when `redis.url` is configured (`/ready` pings it). */
  readonly redis?: Redis | undefined
  /** Signed sessions: issue, end, publish keys (docs/sessions.md). */
  readonly sessions: SessionService
  /** The external auth backend, when `externalAuth.enabled` (docs/external-auth.md). */
  readonly externalAuth?: ExternalAuth | undefined
  /** Forward-auth (`/v1/auth/check`): the gate and which peers may say what they forward. */
  readonly edge: { readonly gate: EdgeGate; readonly trusted: PeerTrust }
  /** This instance's metrics (no-ops when `metrics.enabled` is false). */
  readonly metrics: ServerMetrics
  /**
   * Records an audit event right after the change it describes (docs/audit-log.md). Never
   * throws: a failed write is logged and counted.
   */
  readonly audit: Audit
  /**
   * What every gate of the service is built with (`createGate`, `createSideGate`): the realm, the
   * logger, `onDecision` (one log line and the decision counters) and the latency histogram.
   */
  readonly gateOptions: GateOptions
  /** The server's logger, for lines that belong to no request. */
  readonly log: FastifyBaseLogger
  /** The OpenAPI document of every registered route, built once, on first use. */
  readonly apiDocument: () => OpenAPIDocument
  readonly now: () => Date
}
