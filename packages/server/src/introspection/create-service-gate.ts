import {
  createAuthenticator,
  env,
  headersFromRaw,
  serviceToken,
  type AuthDecision,
  type Authenticator,
  type Logger,
  type SecretSource,
} from '@keygate/core'
import { file } from '@keygate/core/fs'
import type { onRequestAsyncHookHandler } from 'fastify'
import type { ServerConfig } from '../config.js'

/** Options of {@link createServiceGate}. */
export type ServiceGateOptions = {
  config: Pick<ServerConfig, 'introspection' | 'realm'>
  /** Any `SecretSource` (AWS Secrets Manager, …) instead of `introspection.serviceToken`. */
  source?: SecretSource | undefined
  logger: Logger
  onDecision?: (decision: AuthDecision) => void
}

/**
 * The gate of the routes remote verifiers call (`POST /v1/auth/introspect`,
 * `GET /v1/auth/revocations`): keygate's `serviceToken` strategy over the configured source,
 * `Authorization: Bearer <service token>`. Every configured secret is compared in constant time
 * (a rotation overlap is `KEYGATE_SERVICE_TOKEN=new,old`). A user's API token or session is just
 * a wrong secret here: `401 invalid_token`, never answered. Unset: `503 auth_not_configured`.
 *
 * @example
 * ```ts
 * const gate = createServiceGate({ config, logger })
 * route.onRequest = guardWith(gate)
 * ```
 */
export function createServiceGate(options: ServiceGateOptions): Authenticator {
  const configured = options.config.introspection.serviceToken
  const source =
    options.source ?? ('env' in configured ? env(configured.env) : file(configured.file))
  return createAuthenticator({
    strategies: [serviceToken({ source, subject: 'service' })],
    realm: options.config.realm,
    logger: options.logger,
    ...(options.onDecision === undefined ? {} : { onDecision: options.onDecision }),
    publicPaths: [],
    devMode: false,
    whenUnset: 'deny',
  })
}

/** A Fastify `onRequest` hook that lets a request through `gate` or answers its refusal. */
export function guardWith(gate: Authenticator): onRequestAsyncHookHandler {
  return async (request, reply) => {
    const result = await gate.authenticate({
      method: request.method,
      path: request.url,
      header: headersFromRaw(request.raw.rawHeaders),
      clientIp: request.ip,
      requestId: request.id,
    })
    if (result.ok) return
    const problem = gate.respond(result.error, { requestId: request.id })
    return reply.code(problem.status).headers(problem.headers).send(problem.body)
  }
}
