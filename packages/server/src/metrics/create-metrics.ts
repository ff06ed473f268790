import type { AuthDecision, SecretRefreshEvent } from '@keygate/core'
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client'
import { BucketHistogram, tally3 } from './tally.js'

/**
 * The token service's Prometheus metrics: one {@link Registry} per server instance (never
 * prom-client's global one: tests and embedders run several servers in one process), plus the
 * Node.js process metrics, which are per process and so collected once, in a registry of their own.
 */
export type ServerMetrics = {
  /** The instance's registry (keygate's own metrics; process metrics are added by `render`). */
  readonly registry: Registry
  /** `Content-Type` of {@link ServerMetrics.render}'s output. */
  readonly contentType: string
  /** Counts one authentication or authorization decision. */
  decision(decision: AuthDecision): void
  /** Records how long the gate took to decide, in seconds. */
  verification(seconds: number): void
  /** Counts one API-token verification-cache lookup. */
  cache(event: 'hit' | 'miss'): void
  /** Counts one request refused by a rate limit (`limit`: the policy name, `ip`, `email`, …). */
  rateLimited(limit: string): void
  /** Counts one refresh of a secret source (never carries the secret). */
  secretRefresh(event: SecretRefreshEvent): void
  /** Counts one audit event that could not be written. */
  auditWriteFailed(): void
  /** Sets how many revocation streams are open on this instance. */
  revocationStreams(open: number): void
  /**
   * Counts one revocation stream refused (`full`: every slot taken) or closed because its client
   * did not read (`buffer`: too many bytes waiting; `drain`: not drained in time).
   */
  revocationStreamDropped(reason: 'full' | 'buffer' | 'drain'): void
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>
}

/** Options of {@link createMetrics}. */
export type MetricsOptions = {
  /** Add the Node.js process metrics (`process_*`, `nodejs_*`) to the output. */
  processMetrics: boolean
}

// Authentication answers in microseconds (a cache hit) to tens of milliseconds (a database
// round trip); a slow source or store shows up in the top buckets.
const VERIFICATION_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
]

let processRegistry: Registry | undefined

/** Process metrics are collected once per process, whatever the number of servers. */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

/**
 * Creates the metrics of one server instance. Label values are bounded (strategy names, outcomes,
 * error codes, policy and source names): never a token id, a user or a path.
 *
 * @example
 * ```ts
 * const metrics = createMetrics({ processMetrics: true })
 * metrics.decision({ outcome: 'deny', code: 'invalid_token', strategy: 'api-token', method: 'GET', path: '/' })
 * const text = await metrics.render()
 * ```
 */
export function createMetrics(options: MetricsOptions): ServerMetrics {
  const registry = new Registry()
  const registers = [registry]
  // The request path only adds to plain tallies (prom-client hashes labels on every call); the
  // counters read them when scraped.
  const decided = tally3()
  new Counter({
    name: 'keygate_auth_decisions_total',
    help: 'Authentication and authorization decisions, by strategy, outcome and error code.',
    labelNames: ['strategy', 'outcome', 'code'] as const,
    registers,
    collect() {
      this.reset()
      for (const [strategy, outcome, code, n] of decided.entries())
        this.inc({ strategy, outcome, code }, n)
    },
  })
  const verification = new BucketHistogram(
    'keygate_auth_verification_seconds',
    'Time from the start of authentication to its decision.',
    VERIFICATION_BUCKETS,
  )
  // Read by the registry as any metric: name, help, type, get() and reset().
  registry.registerMetric(verification as unknown as Metric)
  const looked = { hits: 0, misses: 0 }
  new Counter({
    name: 'keygate_token_cache_hits_total',
    help: 'API-token verifications answered from the cache.',
    registers,
    collect() {
      this.reset()
      this.inc(looked.hits)
    },
  })
  new Counter({
    name: 'keygate_token_cache_misses_total',
    help: 'API-token verifications that asked the store.',
    registers,
    collect() {
      this.reset()
      this.inc(looked.misses)
    },
  })
  const rateLimited = new Counter({
    name: 'keygate_rate_limit_rejections_total',
    help: 'Requests refused by a rate limit (429), by limit.',
    labelNames: ['limit'] as const,
    registers,
  })
  const refreshes = new Counter({
    name: 'keygate_secret_source_refreshes_total',
    help: 'Secret source refreshes, by source and result (ok or error).',
    labelNames: ['source', 'result'] as const,
    registers,
  })
  const auditFailures = new Counter({
    name: 'keygate_audit_write_failures_total',
    help: 'Audit events that could not be written to the database.',
    registers,
  })
  const streams = new Gauge({
    name: 'keygate_revocation_streams',
    help: 'Revocation streams (GET /v1/auth/revocations) open on this instance.',
    registers,
  })
  const streamsDropped = new Counter({
    name: 'keygate_revocation_streams_dropped_total',
    help: 'Revocation streams refused (full) or closed for a client that did not read (buffer, drain).',
    labelNames: ['reason'] as const,
    registers,
  })
  const include = options.processMetrics ? processMetrics() : undefined

  return {
    registry,
    contentType: registry.contentType,
    decision(decision) {
      decided.add(decision.strategy ?? 'none', decision.outcome, decision.code ?? 'none')
    },
    verification(seconds) {
      verification.observe(seconds)
    },
    cache(event) {
      if (event === 'hit') looked.hits++
      else looked.misses++
    },
    rateLimited(limit) {
      rateLimited.inc({ limit })
    },
    secretRefresh(event) {
      refreshes.inc({ source: event.source, result: event.ok ? 'ok' : 'error' })
    },
    auditWriteFailed() {
      auditFailures.inc()
    },
    revocationStreams(open) {
      streams.set(open)
    },
    revocationStreamDropped(reason) {
      streamsDropped.inc({ reason })
    },
    async render() {
      const own = await registry.metrics()
      return include === undefined ? own : own + (await include.metrics())
    },
  }
}

/**
 * Metrics that count nothing, for `metrics.enabled: false`: the hooks stay wired and cost a call.
 *
 * @example
 * ```ts
 * const metrics = config.metrics.enabled ? createMetrics(options) : disabledMetrics()
 * ```
 */
export function disabledMetrics(): ServerMetrics {
  const registry = new Registry()
  const nothing = () => {}
  return {
    registry,
    contentType: registry.contentType,
    decision: nothing,
    verification: nothing,
    cache: nothing,
    rateLimited: nothing,
    secretRefresh: nothing,
    auditWriteFailed: nothing,
    revocationStreams: nothing,
    revocationStreamDropped: nothing,
    render: () => Promise.resolve(''),
  }
}
