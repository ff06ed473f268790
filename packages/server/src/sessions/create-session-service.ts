import {
  createSessionSigner,
  describeError,
  silentLogger,
  type Logger,
  type SessionSigner,
  type Strategy,
} from '@keygate/core'
import type { ServerConfig } from '../config.js'
import type { ScopePolicy } from '../lib/scope-policy.js'
import type { Store, User } from '../store/types.js'
import { createOriginCheck, type OriginCheck } from './check-origin.js'
import { createSessionStrategy } from './create-session-strategy.js'
import { createSessionRegistry, type SessionRegistry } from './session-registry.js'
import { createSigningKeyring, type PublicJWK, type SigningKeyring } from './signing-keyring.js'

/** Options of {@link createSessionService}. */
export type SessionServiceOptions = {
  config: Pick<ServerConfig, 'sessions' | 'cache'>
  /** The guarded store: a database failure is `503 auth_unavailable`. */
  store: Pick<Store, 'signingKeys' | 'sessions'>
  policy: Pick<ScopePolicy, 'scopes' | 'canGrant'>
  now?: () => Date
  logger?: Logger
  /** How often keys written by other instances are picked up. Default 60 000 ms. */
  keyReloadIntervalMs?: number
}

/** A session just issued. `token` is the JWT: for the cookie or the answer, never a log line. */
export type IssuedSession = {
  readonly token: string
  readonly jti: string
  readonly expiresAt: Date
  readonly scopes: readonly string[]
}

/** Sessions of the token service: issue, verify, end, publish keys. */
export type SessionService = {
  readonly keyring: SigningKeyring
  readonly registry: SessionRegistry
  /** The `sessions` strategy for the chain. */
  readonly strategy: Strategy
  /** The CSRF check of cookie sessions. */
  readonly origin: OriginCheck
  readonly cookieName: string
  /** Signs a session for `user` with every scope their role grants, and records it. */
  issue(user: Pick<User, 'id' | 'role'>): Promise<IssuedSession>
  /** Ends one session (logout). */
  end(jti: string): Promise<boolean>
  /** Ends every session of a user (user disabled). */
  endAllForUser(userId: string): Promise<number>
  /** The JWK Set to publish. */
  jwks(): Promise<{ keys: readonly PublicJWK[] }>
  /** `Set-Cookie` value carrying a session until it expires. */
  cookie(session: Pick<IssuedSession, 'token' | 'expiresAt'>): string
  /** `Set-Cookie` value that removes the session cookie. */
  clearCookie(): string
  close(): void
}

/**
 * Builds the session machinery from configuration and starts the keyring (which creates the
 * first signing key on a fresh database).
 *
 * @throws TypeError when a stored signing key cannot be read (encrypted without, or with another,
 *   `sessions.keyEncryptionSecret`).
 * @example
 * ```ts
 * const sessions = await createSessionService({ config, store: guardStore(store), policy })
 * const { token, expiresAt } = await sessions.issue(user)
 * ```
 */
export async function createSessionService(
  options: SessionServiceOptions,
): Promise<SessionService> {
  const settings = options.config.sessions
  const { policy } = options
  const now = options.now ?? (() => new Date())
  const logger = options.logger ?? silentLogger
  // Verifiers accept `exp` up to 30 s late (core's default leeway); a retired key stays
  // published until its last session is past that, plus a margin for clock skew.
  const retainSeconds = settings.ttlSeconds + 90
  const keyring = createSigningKeyring({
    store: options.store.signingKeys,
    algorithm: settings.algorithm,
    rotationSeconds: settings.keyRotationDays * 86_400,
    publishAheadSeconds: settings.publishAheadSeconds,
    retainSeconds,
    encryptionSecret: settings.keyEncryptionSecret,
    reloadIntervalMs: options.keyReloadIntervalMs,
    now,
    logger: options.logger,
  })
  const registry = createSessionRegistry({
    store: options.store.sessions,
    cacheTtlMs: options.config.cache.ttlMs,
    maxEntries: Math.max(options.config.cache.maxEntries, 1000),
    now,
  })
  const origin = createOriginCheck({
    allowedOrigins: settings.allowedOrigins,
    requireHttps: settings.cookieSecure,
  })
  const strategy = createSessionStrategy({
    keyring,
    registry,
    issuer: settings.issuer,
    audience: settings.audience,
    cookieName: settings.cookieName,
    origin,
    grants: (role, scope) => policy.canGrant(role, scope),
  })
  await keyring.start()

  const signers = new Map<string, SessionSigner>()
  async function signer(): Promise<SessionSigner> {
    const key = await keyring.signingKey()
    let found = signers.get(key.kid)
    if (found === undefined) {
      // Only the key that signs now is kept.
      signers.clear()
      found = createSessionSigner({
        privateKey: key.privateJwk,
        kid: key.kid,
        alg: key.alg,
        issuer: settings.issuer,
        audience: settings.audience,
        ttlSec: settings.ttlSeconds,
      })
      signers.set(key.kid, found)
    }
    return found
  }

  const secure = settings.cookieSecure ? '; Secure' : ''
  const name = settings.cookieName

  return {
    keyring,
    registry,
    strategy,
    origin,
    cookieName: name,
    async issue(user) {
      const scopes = policy.scopes.filter((scope) => policy.canGrant(user.role, scope))
      const signed = await (await signer()).sign({ sub: user.id, scope: scopes })
      await registry.record({ id: signed.jti, userId: user.id, expiresAt: signed.expiresAt })
      // Expired sessions are deleted now and then, by whichever instance logs someone in.
      registry.prune().catch((error: unknown) => {
        logger.warn(describeError(error), 'expired sessions could not be deleted')
      })
      return { token: signed.token, jti: signed.jti, expiresAt: signed.expiresAt, scopes }
    },
    end: (jti) => registry.end(jti),
    endAllForUser: (userId) => registry.endAllForUser(userId),
    async jwks() {
      await keyring.refreshIfDue()
      return { keys: keyring.publicKeys() }
    },
    cookie(session) {
      const maxAge = Math.max(0, Math.floor((session.expiresAt.getTime() - now().getTime()) / 1000))
      return `${name}=${session.token}; Path=/; Max-Age=${maxAge}; HttpOnly${secure}; SameSite=Strict`
    },
    clearCookie() {
      return `${name}=; Path=/; Max-Age=0; HttpOnly${secure}; SameSite=Strict`
    },
    close() {
      keyring.close()
    },
  }
}
