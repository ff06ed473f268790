import {
  createScopePolicy,
  recordRevocationEvents,
  ServiceError,
  type OperationDeps,
  type Revocation,
  type ServerConfig,
  type Store,
} from '@keygate/server'
import { cliAudit } from './audit.js'
import { broadcast } from './broadcast.js'
import { CommandError } from './errors.js'
import type { IO } from './io.js'

/** What the CLI runs an operation with, and the revocations to tell running instances about. */
export type CLIOperations = {
  /** Everything but `limitLogin`: nobody logs in through the CLI. */
  deps: Omit<OperationDeps, 'limitLogin'>
  /**
   * Sends the revocations the operation asked for over the deployment's bus (see `broadcast`);
   * nothing when there are none.
   */
  publish: (options: { quiet: boolean }) => Promise<void>
}

/**
 * The dependencies of an operation run from the command line: the store it opened, the scope
 * policy and token rules of the configuration, the system clock, the audit log as the CLI
 * writes it (actor `system`, `via: cli`), and cache invalidations collected for {@link
 * CLIOperations.publish}: the CLI has no cache of its own, the running instances do.
 */
export function cliOperations(store: Store, config: ServerConfig, io: IO): CLIOperations {
  const revocations: Revocation[] = []
  const events: { revocation: Revocation; graceUntil?: Date | undefined }[] = []
  return {
    deps: {
      store,
      policy: createScopePolicy(config),
      tokens: config.tokens,
      now: () => new Date(),
      audit: cliAudit(store, io),
      invalidateToken: (tokenId, details) => {
        revocations.push({ kind: 'token', tokenId })
        events.push({ revocation: { kind: 'token', tokenId }, graceUntil: details?.graceUntil })
      },
      invalidateUser: (userId) => {
        revocations.push({ kind: 'user', userId })
        events.push({ revocation: { kind: 'user', userId } })
      },
      endSessions: (userId) => store.sessions.revokeAllForUser(userId, new Date()),
    },
    publish: async ({ quiet }) => {
      // The backlog first (remote verifiers' stream reads it), then the bus.
      if (events.length > 0) {
        await recordRevocationEvents({
          store,
          backlog: config.introspection.backlog,
          revocations: events.splice(0),
        })
      }
      if (revocations.length > 0) await broadcast(config, revocations, io, quiet)
    },
  }
}

/**
 * Runs an operation and words its refusals for a terminal: `messages` maps a ServiceError's
 * `reason` (or, without one, its `code`) to the CommandError message. Other errors pass through.
 */
export async function orCommandError<T>(
  run: () => Promise<T>,
  messages: Readonly<Record<string, (error: ServiceError) => string>>,
): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof ServiceError) {
      const word = messages[error.reason ?? error.code]
      if (word !== undefined) throw new CommandError(word(error), { cause: error })
    }
    throw error
  }
}
