export {
  createMetrics,
  disabledMetrics,
  type MetricsOptions,
  type ServerMetrics,
} from './create-metrics.js'
export { createMetricsGate } from './create-metrics-gate.js'
export { countRateLimits } from './count-rate-limits.js'
export { timeAuthenticator } from './time-authenticator.js'
