export { createServer, type CreateServerOptions, type KeygateServer } from './create-server.js'
export {
  BUILTIN_ROLES,
  BUILTIN_SCOPES,
  ConfigError,
  defaultConfig,
  resolveConfig,
  type ConfigIssue,
  type RateLimitRule,
  type ScopeDefinition,
  type ServerConfig,
  type ServerConfigInput,
} from './config.js'
export {
  CONFIG_KEYS,
  configFromEnv,
  envName,
  OTHER_ENV_VARIABLES,
  parseConfigValue,
  readConfigEnv,
  type ConfigEnv,
  type ConfigEnvIssue,
  type ConfigKey,
  type ConfigKeyType,
} from './config-env.js'
export {
  AUDIT_ACTIONS,
  createAuditRecorder,
  type Audit,
  type AuditAction,
  type AuditInput,
  type AuditRecorderOptions,
} from './audit/index.js'
export { createUser, type CreateUserOptions } from './services/create-user.js'
export { createScopePolicy, type ScopePolicy } from './lib/scope-policy.js'
export {
  completeSetup,
  generateSetupCode,
  issueSetupCode,
  SETUP_CODE_TTL_SECONDS,
  setupCodePath,
  type CompleteSetupOptions,
  type IssuedSetupCode,
  type IssueSetupCodeOptions,
} from './setup/index.js'
export { ServiceError, type FieldError } from './lib/errors.js'
export {
  clientKey,
  connectRedis,
  createMemoryRateLimiter,
  createRedisClient,
  createRedisRateLimiter,
  rateLimitHeaders,
  type MemoryRateLimiterOptions,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPolicy,
  type RedisClientOptions,
  type RedisRateLimiterOptions,
} from './rate-limit/index.js'
export {
  connectRevocations,
  createPostgresRevocationBus,
  createRedisRevocationBus,
  openRevocationBus,
  postgresRevocationChannel,
  publishRevocations,
  type ConnectRevocationsOptions,
  type OpenRevocationBusOptions,
  type PostgresRevocationBusOptions,
  type PublishRevocationsOptions,
  type RedisRevocationBusOptions,
  type Revocation,
  type RevocationBus,
  type RevocationLink,
  type RevocationListener,
  type RevocationTarget,
} from './revocation/index.js'
export {
  createAPITokenVerifier,
  createLastUsedRecorder,
  openStore,
  type APITokenVerifierOptions,
  type LastUsedRecorder,
  type LastUsedRecorderOptions,
} from './store/index.js'
export {
  ConflictError,
  InvalidCursorError,
  type APIToken,
  type AuditActor,
  type AuditEvent,
  type AuditListOptions,
  type AuditStore,
  type NewAuditEvent,
  type OpenStoreOptions,
  type Page,
  type PageOptions,
  type Store,
  type TokenStore,
  type User,
  type UserStore,
} from './store/types.js'
