import type { AuthRequest } from './auth-request.js'
import type { Credential } from './extract-credential.js'
import type { Logger } from './logger.js'
import type { Principal } from './principal.js'

/** Returned by a strategy whose secrets are not configured at all (a state, not a failure). */
export const UNSET: unique symbol = Symbol('keygate.unset')

/** What a strategy is given: the one credential of the request (if any) and the request. */
/** What a strategy answers: a principal, not recognised (`undefined`), or not configured. */
export type StrategyResult = Principal | undefined | typeof UNSET

export type StrategyInput = {
  readonly credential: Credential | undefined
  readonly request: AuthRequest
}

/**
 * One way of authenticating (SPEC §3). `authenticate` either does not recognise the request
 * (`undefined`: the next strategy runs), returns a {@link Principal}, reports that it is not
 * configured ({@link UNSET}), or throws an `AuthError`. A credential a strategy recognises but
 * rejects is never passed on to the next one.
 *
 * @example
 * ```ts
 * const always: Strategy = { name: 'always', authenticate: async () => principal }
 * ```
 */
export type Strategy = {
  /** Reported in decisions and metrics (`service-token`, `api-token`, …). */
  readonly name: string
  /** Custom credential headers this strategy reads (lower-case), for duplicate detection. */
  readonly headers?: readonly string[]
  /**
   * The strategy acts for the user named in `X-On-Behalf-Of` (`internalToken`). When a request
   * carries that header, the authenticator tries such strategies first, whatever their place in
   * the chain, and refuses a principal from any other strategy with `400 invalid_request`: the
   * header is honoured or refused, never ignored (SPEC §3).
   */
  readonly honoursOnBehalfOf?: boolean
  /**
   * May answer synchronously (a fresh cache, a synchronous hash): the gate then stays synchronous
   * and the adapter runs the route in the same tick, which keeps node:http's corked write path.
   */
  authenticate(input: StrategyInput): StrategyResult | Promise<StrategyResult>
  /**
   * Called once by the authenticator that runs this strategy, with its logger, so that what the
   * strategy logs (a failing secret source, say) goes where the application's logs go.
   */
  attach?(context: { logger: Logger }): void
}
