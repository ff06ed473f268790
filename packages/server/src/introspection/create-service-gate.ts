import { env, serviceToken, type SecretSource } from '@keygate/core'
import { file } from '@keygate/core/fs'
import type { GateOptions } from '../auth/create-gate.js'
import { createSideGate, type SideGate } from '../auth/side-gate.js'
import type { ServerConfig } from '../config.js'

/** The scope every caller the service gate accepts holds (never a user's scope). */
export const REMOTE_VERIFICATION_SCOPE = 'keygate:remote-verification'

/** Options of {@link createServiceGate}. */
export type ServiceGateOptions = GateOptions & {
  config: Pick<ServerConfig, 'introspection'>
  /** Any `SecretSource` (AWS Secrets Manager, …) instead of `introspection.serviceToken`. */
  source?: SecretSource | undefined
}

/**
 * The gate of the routes remote verifiers call (`POST /v1/auth/introspect`,
 * `GET /v1/auth/revocations`): keygate's `serviceToken` strategy over the configured source,
 * `Authorization: Bearer <service token>`. Every configured secret is compared in constant time
 * (a rotation overlap is `KEYGATE_SERVICE_TOKEN=new,old`). A user's API token or session is just
 * a wrong secret here: `401 invalid_token`, never answered. Unset: `503 auth_not_configured`.
 * A side gate: its decisions are logged and counted like the API's.
 *
 * @example
 * ```ts
 * const gate = createServiceGate({ ...ctx.gateOptions, config })
 * const route = { ...introspect, config: behind(gate) }
 * ```
 */
export function createServiceGate(options: ServiceGateOptions): SideGate {
  const { config, source: given, ...gate } = options
  const configured = config.introspection.serviceToken
  const source = given ?? ('env' in configured ? env(configured.env) : file(configured.file))
  return createSideGate({
    ...gate,
    strategy: serviceToken({ source, subject: 'service', scopes: [REMOTE_VERIFICATION_SCOPE] }),
    scope: REMOTE_VERIFICATION_SCOPE,
  })
}
