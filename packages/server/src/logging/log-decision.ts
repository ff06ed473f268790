import type { AuthDecision } from '@keygate/core'
import type { FastifyBaseLogger } from 'fastify'

/**
 * Logs one line per authentication or authorization decision, with the request's id under the
 * key Fastify's request lines use (`reqId`): outcome, code, strategy, subject, public token id,
 * client IP, method and path. A decision never holds a secret (core's contract); nothing else is
 * added here.
 *
 * @example
 * ```ts
 * createAuthenticator({ strategies, onDecision: (d) => logDecision(app.log, d) })
 * ```
 */
export function logDecision(log: FastifyBaseLogger, decision: AuthDecision): void {
  log.info(
    {
      reqId: decision.requestId,
      outcome: decision.outcome,
      code: decision.code,
      strategy: decision.strategy,
      subject: decision.subject,
      tokenId: decision.tokenId,
      clientIp: decision.clientIp,
      method: decision.method,
      path: decision.path,
    },
    'auth decision',
  )
}
