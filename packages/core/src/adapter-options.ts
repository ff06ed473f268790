import type { Authenticator } from './authenticator.js'
import { createAuthenticator, type AuthenticatorOptions } from './create-authenticator.js'

/**
 * The options every adapter takes: the core's options or a ready authenticator, plus how to read
 * a request id (for problem bodies) and the client IP (for decisions) from the framework's
 * request `R`. Each adapter documents its defaults.
 */
export type AdapterOptions<R> = (AuthenticatorOptions | { authenticator: Authenticator }) & {
  /** `request_id` of problem bodies, computed only for a refusal. */
  requestId?: (request: R) => string
  /** The client IP reported in decisions. */
  clientIp?: (request: R) => string | undefined
}

/** How an adapter names itself and its own options for {@link adapterAuthenticator}. */
export type AdapterSpec = {
  /** Prefix of every error message: `keygate()`, `@keygate/fastify`, … */
  readonly where: string
  /** The adapter's own options that must be functions when given (`requestId`, `clientIp`, …). */
  readonly functions: readonly string[]
  /** The adapter's other own options, kept away from the core with `functions`. */
  readonly others?: readonly string[]
  /** The message for an `authenticator` that is not one. */
  readonly badAuthenticator?: string
}

/**
 * What every adapter does with its options, once, at start: refuses a missing options object or
 * a non-function hook, and takes the ready `authenticator` or creates one from the core's options
 * (without the adapter's own).
 *
 * @throws TypeError naming the bad option (the core's included).
 * @example
 * ```ts
 * const authenticator = adapterAuthenticator(options, { where: 'keygate()', functions: ['requestId'] })
 * ```
 */
export function adapterAuthenticator(options: unknown, spec: AdapterSpec): Authenticator {
  const { where } = spec
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${where}: options are required`)
  }
  const record = options as Record<string, unknown>
  for (const name of spec.functions) {
    if (record[name] !== undefined && typeof record[name] !== 'function') {
      throw new TypeError(`${where}: ${name} must be a function`)
    }
  }
  if ('authenticator' in record) {
    const authenticator = record.authenticator as Partial<Authenticator> | undefined
    if (typeof authenticator?.check !== 'function') {
      throw new TypeError(
        `${where}: ${spec.badAuthenticator ?? 'authenticator must come from createAuthenticator()'}`,
      )
    }
    return authenticator as Authenticator
  }
  const core: Record<string, unknown> = { ...record }
  for (const name of [...spec.functions, ...(spec.others ?? [])]) delete core[name]
  return createAuthenticator(core as AuthenticatorOptions)
}
