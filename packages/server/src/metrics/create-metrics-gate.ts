import { env, serviceToken } from '@keygate/core'
import { file } from '@keygate/core/fs'
import { createSideGate, type SideGate } from '../auth/side-gate.js'
import type { GateOptions } from '../auth/create-gate.js'
import type { ServerConfig } from '../config.js'
import type { ServerMetrics } from './create-metrics.js'

/** The scope every caller the metrics gate accepts holds. */
export const METRICS_SCOPE = 'metrics:read'

/**
 * The gate of `GET /metrics` when `metrics.protect` is `service-token`: keygate's own
 * `serviceToken` strategy (`Authorization: Bearer <secret>`, constant-time comparison) over the
 * configured source, whose refreshes are counted; a side gate, so its decisions are logged and
 * counted like the API's. An unset secret fails closed (`503 auth_not_configured`); a wrong one
 * is `401 invalid_token`.
 *
 * @example
 * ```ts
 * const route = { ...metricsRoute, config: behind(createMetricsGate({ ...ctx.gateOptions, config, metrics })) }
 * ```
 */
export function createMetricsGate(
  options: GateOptions & { config: ServerConfig; metrics: ServerMetrics },
): SideGate {
  const { config, metrics, ...gate } = options
  const source = config.metrics.serviceToken
  return createSideGate({
    ...gate,
    strategy: serviceToken({
      source: 'env' in source ? env(source.env) : file(source.file),
      subject: 'metrics',
      scopes: [METRICS_SCOPE],
      cache: { onRefresh: (event) => metrics.secretRefresh(event) },
    }),
    scope: METRICS_SCOPE,
  })
}
