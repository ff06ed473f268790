export type { Principal } from './principal.js'
export { ERROR_TABLE, type ErrorCode } from './error-table.js'
export {
  AuthError,
  AuthNotConfiguredError,
  AuthUnavailableError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  MissingCredentialsError,
  type AuthErrorOptions,
} from './errors.js'
export { buildWWWAuthenticate, type WWWAuthenticateOptions } from './build-www-authenticate.js'
export {
  createProblem,
  PROBLEM_TYPE_BASE,
  type ProblemBody,
  type ProblemOptions,
  type ProblemResponse,
} from './create-problem.js'
export {
  headersFromRaw,
  headersFromRecord,
  headersFromWeb,
  type AuthRequest,
  type HeaderValues,
} from './auth-request.js'
export {
  DEFAULT_MAX_CREDENTIAL_BYTES,
  extractCredential,
  parseAuthorization,
  type Credential,
  type ExtractCredentialOptions,
} from './extract-credential.js'
export { UNSET, type Strategy, type StrategyInput, type StrategyResult } from './strategy.js'
export {
  createAuthenticator,
  DEFAULT_PUBLIC_PATHS,
  type AuthDecision,
  type Authenticator,
  type AuthenticatorOptions,
  type AuthResult,
  type Verdict,
} from './create-authenticator.js'
export { problemIdOf, withAuthenticate } from './check-request.js'
export { adapterAuthenticator, type AdapterOptions, type AdapterSpec } from './adapter-options.js'
export {
  adapterKit,
  middlewareGate,
  nodeAdapterGate,
  validateGateScopes,
  type AdapterGate,
  type AdapterKit,
  type MiddlewareGate,
  type NodeRequestParts,
} from './adapter-kit.js'
export { KeygateError } from './keygate-error.js'
export { isScope, validateScopes } from './scopes.js'
export { serviceToken, type ServiceTokenOptions } from './service-token.js'
export {
  createSecretCache,
  type CachedSecret,
  type SecretCache,
  type SecretCacheOptions,
  type SecretRefreshEvent,
  type SecretSnapshot,
} from './create-secret-cache.js'
export {
  SecretSourceError,
  type Secret,
  type SecretLoadOptions,
  type SecretSource,
} from './sources/secret-source.js'
export { env, staticSecrets, type EnvSourceOptions } from './sources/env.js'
export { describeError, silentLogger, type Logger } from './logger.js'
export {
  apiTokenRegex,
  apiTokens,
  digestAPIToken,
  generateAPIToken,
  generatePublicId,
  parseAPIToken,
  type APITokenRegexOptions,
  type APITokensCacheOptions,
  type APITokensOptions,
  type APITokensStrategy,
  type APITokenCacheTarget,
  type APITokenVerifier,
  type DigestAPITokenOptions,
  type GenerateAPITokenOptions,
  type GeneratedAPIToken,
  type ParseAPITokenOptions,
  type ParsedAPIToken,
  type VerifiedAPIToken,
} from './api-tokens/index.js'
export {
  createSessionSigner,
  DEFAULT_SESSION_ALGORITHMS,
  SESSION_ALGORITHMS,
  SESSION_TYP,
  sessions,
  type SessionAlgorithm,
  type SessionClaims,
  type SessionJWKSOptions,
  type SessionKey,
  type SessionKeyObject,
  type SessionSigner,
  type SessionSignerOptions,
  type SessionsOptions,
  type SessionsStrategy,
  type SignedSession,
} from './sessions/index.js'
export {
  internalToken,
  ON_BEHALF_OF_HEADER,
  type InternalTokenOptions,
  type InternalTokenStrategy,
  type InternalTokenUser,
  type InternalTokenUserStore,
} from './internal-token/index.js'
export {
  ASSERTION_HEADER,
  ASSERTION_TYP,
  createAssertionSigner,
  gatewayAssertion,
  MAX_ASSERTION_TTL_SEC,
  type AssertionClaims,
  type AssertionInput,
  type AssertionSigner,
  type AssertionSignerOptions,
  type AssertionVia,
  type GatewayAssertionOptions,
} from './gateway-assertion/index.js'
export {
  introspection,
  type IntrospectionOptions,
  type IntrospectionStats,
  type IntrospectionVerifier,
} from './introspection/index.js'
