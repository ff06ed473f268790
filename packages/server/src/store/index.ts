export { openStore } from './open-store.js'
export {
  createLastUsedRecorder,
  type LastUsedRecorder,
  type LastUsedRecorderOptions,
} from './last-used-recorder.js'
export {
  createAPITokenVerifier,
  type APITokenVerifierOptions,
} from './create-api-token-verifier.js'
export {
  ConflictError,
  InvalidCursorError,
  type APIToken,
  type AuditActor,
  type AuditEvent,
  type AuditListOptions,
  type AuditStore,
  type FoundByDigest,
  type TokenVerification,
  type NewAuditEvent,
  type OpenStoreOptions,
  type Page,
  type PageOptions,
  type Store,
  type TokenStore,
  type User,
  type UserStore,
} from './types.js'
