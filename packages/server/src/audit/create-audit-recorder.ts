import { describeError, type Principal } from '@keygate/core'
import { getPrincipal } from '@keygate/fastify'
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import type { AuditActor, AuditStore } from '../store/types.js'
import type { AuditAction } from './audit-actions.js'

/** One event to record; the recorder fills in the rest (id, time, request id, client IP). */
export type AuditInput = {
  action: AuditAction
  /**
   * The request that caused it: its id and client IP are recorded, and its verified principal is
   * the actor unless `actor` says otherwise.
   */
  request?: FastifyRequest | undefined
  /** Default: the request's principal; `anonymous` on a public route; `system` without a request. */
  actor?: AuditActor | undefined
  /** The user the event is about. */
  userId?: string | null | undefined
  /** The public id of the token concerned. */
  tokenId?: string | null | undefined
  /** Small, non-secret facts: a token's name and scopes, a role change, a failure reason. */
  details?: Record<string, unknown> | undefined
}

/** Records one audit event. Never throws: a failed write is logged and counted, and the change it describes stands. */
export type Audit = (input: AuditInput) => Promise<void>

/** Options of {@link createAuditRecorder}. */
export type AuditRecorderOptions = {
  store: Pick<AuditStore, 'append'>
  now: () => Date
  /** Where a failed write is reported when the event has no request. */
  log: Pick<FastifyBaseLogger, 'warn'>
  /** Called once per failed write (the metrics counter). */
  onFailure?: () => void
}

// An event's details are a few facts, never a payload: anything larger is not kept.
const MAX_DETAILS_BYTES = 4096

function actorOf(principal: Principal): AuditActor {
  return { kind: principal.kind, id: principal.subject }
}

/**
 * The audit recorder behind `ctx.audit`: writes one event right after the change it describes
 * (the store has no cross-table transaction; see docs/audit-log.md for what that means).
 *
 * @example
 * ```ts
 * const audit = createAuditRecorder({ store: store.audit, now: () => new Date(), log: app.log })
 * await audit({ action: 'token.revoked', request, userId: token.userId, tokenId: token.id })
 * ```
 */
export function createAuditRecorder(options: AuditRecorderOptions): Audit {
  return async (input) => {
    const { request } = input
    const principal = request === undefined ? undefined : getPrincipal(request)
    let details = input.details ?? {}
    if (principal?.actor !== undefined)
      details = { ...details, via_service: principal.actor.subject }
    if (JSON.stringify(details).length > MAX_DETAILS_BYTES) details = { truncated: true }
    const actor =
      input.actor ??
      (principal !== undefined
        ? actorOf(principal)
        : request === undefined
          ? { kind: 'system' as const, id: null }
          : { kind: 'anonymous' as const, id: null })
    try {
      await options.store.append([
        {
          at: options.now(),
          action: input.action,
          actor,
          userId: input.userId ?? null,
          tokenId: input.tokenId ?? null,
          clientIp: request?.ip ?? null,
          requestId: request?.id ?? null,
          details,
        },
      ])
    } catch (error) {
      options.onFailure?.()
      ;(request?.log ?? options.log).warn(
        { action: input.action, ...describeError(error) },
        'audit event not written',
      )
    }
  }
}
