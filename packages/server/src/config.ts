// The configuration, one file per section under config/. This barrel keeps `./config.js` imports
// working; the sections import each other directly, never through here.
export {
  BUILTIN_ROLES,
  BUILTIN_SCOPES,
  type ConfigIssue,
  type DeepPartial,
  type MetricsTokenSource,
  type RateLimitRule,
  type ScopeDefinition,
  type ServerConfig,
  type ServerConfigInput,
} from './config/server-config.js'
export { defaultConfig } from './config/default-config.js'
export { ConfigError } from './config/config-error.js'
export { resolveConfig } from './config/resolve-config.js'
export { configFromEnv } from './config-env.js'
