import {
  createAuthenticator,
  env,
  serviceToken,
  type Authenticator,
  type Logger,
} from '@keygate/core'
import { file } from '@keygate/core/fs'
import type { ServerConfig } from '../config.js'
import type { ServerMetrics } from './create-metrics.js'

/**
 * The gate of `GET /metrics` when `metrics.protect` is `service-token`: keygate's own
 * `serviceToken` strategy (`Authorization: Bearer <secret>`, constant-time comparison) over the
 * configured source, whose refreshes are counted. An unset secret fails closed
 * (`503 auth_not_configured`); a wrong one is `401 invalid_token`.
 *
 * @example
 * ```ts
 * const gate = createMetricsGate({ config, metrics, logger, onDecision })
 * ```
 */
export function createMetricsGate(options: {
  config: ServerConfig
  metrics: ServerMetrics
  logger: Logger
  onDecision: NonNullable<Parameters<typeof createAuthenticator>[0]['onDecision']>
}): Authenticator {
  const source = options.config.metrics.serviceToken
  return createAuthenticator({
    strategies: [
      serviceToken({
        source: 'env' in source ? env(source.env) : file(source.file),
        subject: 'metrics',
        scopes: ['metrics:read'],
        cache: { onRefresh: (event) => options.metrics.secretRefresh(event) },
      }),
    ],
    realm: options.config.realm,
    logger: options.logger,
    onDecision: options.onDecision,
    publicPaths: [],
    devMode: false,
    whenUnset: 'deny',
  })
}
