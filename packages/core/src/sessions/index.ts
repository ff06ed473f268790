export {
  createSessionSigner,
  type SessionClaims,
  type SessionSigner,
  type SessionSignerOptions,
  type SignedSession,
} from './create-session-signer.js'
export {
  DEFAULT_SESSION_ALGORITHMS,
  SESSION_ALGORITHMS,
  SESSION_TYP,
  type SessionAlgorithm,
} from './session-algorithms.js'
export type { SessionJWKSOptions, SessionKey, SessionKeyObject } from './lib/resolve-key.js'
export { sessions, type SessionsOptions, type SessionsStrategy } from './sessions.js'
