import {
  createAuthenticator,
  type AuthDecision,
  type Authenticator,
  type Logger,
  type Strategy,
} from '@keygate/core'
import { timeAuthenticator } from '../metrics/time-authenticator.js'

/**
 * How every gate of the token service decides and reports, whatever it guards: the realm of its
 * challenges, its logger, and where its decisions go (docs/observability.md).
 */
export type GateOptions = {
  realm: string
  logger: Logger
  /** Every decision: one `auth decision` log line and the decision counters. */
  onDecision?: ((decision: AuthDecision) => void) | undefined
  /** How long each authentication took to decide, in seconds (the latency histogram). */
  observe?: ((seconds: number) => void) | undefined
}

/**
 * The authenticator of one of the service's gates — the API-token gate of its routes, or a side
 * gate (`/metrics`, the remote-verification routes, the provisioning route) — with the settings
 * they all share: no public path (the router chooses public routes), no dev mode, an unset secret
 * denied (`503 auth_not_configured`), every decision reported and timed.
 *
 * @example
 * ```ts
 * const authenticator = createGate({ ...ctx.gateOptions, strategies: [strategy] })
 * ```
 */
export function createGate(
  options: GateOptions & { strategies: readonly Strategy[] },
): Authenticator {
  const authenticator = createAuthenticator({
    strategies: options.strategies,
    realm: options.realm,
    logger: options.logger,
    // Public routes are chosen by the router (PUBLIC), never by path matching.
    publicPaths: [],
    devMode: false,
    whenUnset: 'deny',
    ...(options.onDecision === undefined ? {} : { onDecision: options.onDecision }),
  })
  return options.observe === undefined
    ? authenticator
    : timeAuthenticator(authenticator, options.observe)
}
