import { validateScopes } from '@keygate/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { check, gateOf, sendProblem } from './lib/gate.js'

/** A Fastify hook as `requireScopes()` returns it: usable as `onRequest` or `preHandler`. */
export type KeygateHook = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply | undefined>

/**
 * A route hook that requires every listed scope: `401` without a verified principal, `403
 * insufficient_scope` (with `scope="…"` in the challenge) when one is missing. It reuses the
 * global hook's authentication, or authenticates itself when the plugin runs with `hook: false`.
 * Scopes are validated once, here.
 *
 * @throws TypeError for an empty list or an invalid scope token (RFC 6749 §3.3).
 * @example
 * ```ts
 * app.get('/v1/things', { preHandler: requireScopes('things:read') }, listThings)
 * ```
 */
export function requireScopes(...scopes: string[]): KeygateHook {
  const required = validateScopes(scopes, 'requireScopes()', { atLeastOne: true })
  return async function keygateRequireScopes(request, reply) {
    const gate = gateOf(request, 'requireScopes()')
    const verdict = await check(gate, request, required)
    if (!verdict.ok) return sendProblem(reply, verdict)
    return undefined
  }
}
