import type { FastifyRequest } from 'fastify'
import type { ServerContext } from '../context.js'
import type { OperationDeps } from '../operations/operation-deps.js'
import { rateLimitLogin } from './rate-limit-login.js'

/**
 * The dependencies of an operation run for one HTTP request: the server's store, policy, clock
 * and caches, with the audit log, the rate limits and the log lines bound to the request (its
 * id, client IP and principal).
 */
export function operationDepsOf(ctx: ServerContext, request: FastifyRequest): OperationDeps {
  return {
    store: ctx.store,
    policy: ctx.policy,
    tokens: ctx.config.tokens,
    now: ctx.now,
    audit: (event) => ctx.audit({ ...event, request }),
    invalidateToken: ctx.invalidate,
    invalidateUser: ctx.invalidateUser,
    endSessions: (userId) => ctx.sessions.endAllForUser(userId),
    limitLogin: (email) => rateLimitLogin(ctx, request.ip, email),
    log: request.log,
  }
}
