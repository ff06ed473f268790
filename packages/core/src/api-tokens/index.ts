export { apiTokenRegex, type APITokenRegexOptions } from './api-token-regex.js'
export type {
  APITokenCacheTarget,
  APITokenVerifier,
  VerifiedAPIToken,
} from './api-token-verifier.js'
export {
  apiTokens,
  type APITokensCacheOptions,
  type APITokensOptions,
  type APITokensStrategy,
} from './api-tokens.js'
export { digestAPIToken, type DigestAPITokenOptions } from './digest-api-token.js'
export {
  generateAPIToken,
  type GenerateAPITokenOptions,
  type GeneratedAPIToken,
} from './generate-api-token.js'
export { generatePublicId } from './generate-public-id.js'
export { parseAPIToken, type ParseAPITokenOptions, type ParsedAPIToken } from './parse-api-token.js'
