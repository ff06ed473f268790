import {
  createSecretCache,
  internalToken,
  staticSecrets,
  type InternalTokenStrategy,
  type Logger,
  type SecretCache,
  type SecretSource,
  type Strategy,
} from '@keygate/core'
import type { ServerConfig } from '../config.js'
import type { ScopePolicy } from '../lib/scope-policy.js'
import type { UserStore } from '../store/types.js'
import { internalCaller } from './internal-caller.js'

const MIN_BYTES = 32

/** Options of {@link createExternalAuth}. */
export type ExternalAuthOptions = {
  config: Pick<ServerConfig, 'externalAuth' | 'tokens'>
  /** The guarded user store. */
  users: Pick<UserStore, 'findById'>
  policy: Pick<ScopePolicy, 'scopes' | 'canGrant'>
  /** Where the internal token comes from, instead of `externalAuth.internalToken`. */
  source?: SecretSource | undefined
  logger?: Logger | undefined
}

/** The external auth backend mode, when it is on. */
export type ExternalAuth = {
  /** `internalToken` for the chain: internal token + `X-On-Behalf-Of` → that user. */
  readonly strategy: InternalTokenStrategy
  /** The internal token's secret cache (shared by the strategy and {@link caller}). */
  readonly cache: SecretCache
  /**
   * The strategy of the provisioning route's own gate, where no user is named: the internal
   * token itself (see `internalCaller`), granting `PROVISIONING_SCOPE`.
   */
  readonly caller: Strategy
}

function fail(message: string): never {
  throw new TypeError(`keygate config: ${message}`)
}

/**
 * Turns on the external auth backend (docs/external-auth.md) when `externalAuth.enabled` is
 * true, and checks its secret once, at start: a missing, empty or short internal token (under
 * 32 bytes) fails the start with a message naming the key, never the value. Returns `undefined`
 * when the mode is off.
 *
 * @throws TypeError (`keygate config: …`) for a missing, short or unloadable internal token.
 * @example
 * ```ts
 * const external = await createExternalAuth({ config, users: store.users, policy })
 * const strategies = [apiTokens, sessions, ...(external ? [external.strategy] : [])]
 * ```
 */
export async function createExternalAuth(
  options: ExternalAuthOptions,
): Promise<ExternalAuth | undefined> {
  const settings = options.config.externalAuth
  if (!settings.enabled) {
    if (options.source !== undefined) {
      fail('an internal token source was given but externalAuth.enabled is false')
    }
    return undefined
  }
  const source =
    options.source ??
    (settings.internalToken === undefined
      ? undefined
      : staticSecrets(settings.internalToken.split(',').map((s) => s.trim())))
  if (source === undefined) {
    fail(
      'externalAuth.enabled is true but no internal token is set: set KEYGATE_INTERNAL_TOKEN (at least 32 bytes) or externalAuth.internalToken',
    )
  }
  const cache = createSecretCache({ source, ...(options.logger ? { logger: options.logger } : {}) })
  let secrets
  try {
    ;({ secrets } = await cache.get())
  } catch {
    fail(`the internal token source (${source.name}) could not be read at start`)
  }
  if (secrets.length === 0) {
    fail(`externalAuth.enabled is true but the internal token source (${source.name}) is empty`)
  }
  if (secrets.some((secret) => Buffer.byteLength(secret.value) < MIN_BYTES)) {
    fail(`externalAuth.internalToken must be at least ${MIN_BYTES} bytes`)
  }
  const prefix = `${options.config.tokens.prefix}_`
  if (secrets.some((secret) => secret.value.startsWith(prefix))) {
    // apiTokens comes first in the chain and would claim it.
    fail('externalAuth.internalToken must not start with the API token prefix')
  }

  const { users, policy } = options
  const strategy = internalToken({
    source: cache,
    actor: settings.actor,
    users: {
      async findById(id) {
        const user = await users.findById(id)
        if (user === undefined) return undefined
        return {
          id: user.id,
          disabled: user.disabled,
          scopes: policy.scopes.filter((scope) => policy.canGrant(user.role, scope)),
        }
      },
    },
  })
  // The same constant-time comparison of every configured secret, without X-On-Behalf-Of.
  return { strategy, cache, caller: internalCaller({ cache, actor: settings.actor }) }
}
