import type { AuditInput } from '../audit/create-audit-recorder.js'
import type { ServerConfig } from '../config/server-config.js'
import type { ScopePolicy } from '../lib/scope-policy.js'
import type { Store } from '../store/types.js'

/**
 * Records one audit event of an operation. The caller binds what the operation does not know:
 * the HTTP request (its id, client IP and principal) for a route, actor `system` for the CLI.
 */
export type OperationAudit = (event: Omit<AuditInput, 'request'>) => Promise<void>

/** Where an operation writes its informational lines (a route's request logger). */
export type OperationLog = { info(fields: Record<string, unknown>, message: string): void }

/**
 * What every operation is given, explicitly: nothing is read from a global. A route builds it
 * per request (`operationDepsOf` in `lib/`), the CLI per command (`cli/src/lib/operation-deps.ts`).
 */
export type OperationDeps = {
  readonly store: Store
  /** Which scopes exist and which role may grant which. */
  readonly policy: ScopePolicy
  /** Prefix, pepper, expiry bounds and rotation grace of tokens. */
  readonly tokens: ServerConfig['tokens']
  readonly now: () => Date
  readonly audit: OperationAudit
  /**
   * Drops a token from every verification cache (this instance's, and the others' over the bus)
   * and tells remote verifiers; `graceUntil` is set for a rotation (when the old secret stops).
   */
  readonly invalidateToken: (tokenId: string, details?: { graceUntil?: Date }) => void
  /** The same for every token of a user. */
  readonly invalidateUser: (userId: string) => void
  /** Ends every session of a user; resolves to how many were live. */
  readonly endSessions: (userId: string) => Promise<number>
  /**
   * Consumes one password attempt for this email (and the caller's IP), before the password is
   * checked; resolves to the rate-limit headers of the answer.
   *
   * @throws ServiceError `rate_limited`.
   */
  readonly limitLogin: (email: string) => Promise<Record<string, string>>
  readonly log?: OperationLog | undefined
}
