import type { RouteOptions } from 'fastify'
import { needs, principalOf } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { operationDepsOf } from '../lib/operation-deps-of.js'
import { idParams, tokenSecretSchema } from '../lib/schemas.js'
import { tokenOwnerFor } from '../lib/token-owner-for.js'
import { tokenSecretView } from '../lib/views.js'
import { rotateToken } from '../operations/rotate-token.js'

type Body = { grace_period_seconds?: number } | undefined

/**
 * `POST /v1/auth/tokens/{id}/rotate`: the owner with `tokens:write`, or `tokens:manage`. A new
 * secret for the same token (id, name, scopes and expiry unchanged), shown once. The old secret
 * keeps working for `grace_period_seconds` (default from config), capped at the token's own
 * expiry. A revoked or expired token cannot be rotated: `404`, like a missing one. The new secret
 * never carries more than the caller holds (`403`), and a token whose previous secret is still in
 * its grace period is not rotated again (`409 conflict`): docs/api-tokens.md#rotation.
 */
export function rotateTokenRoute(ctx: ServerContext): RouteOptions {
  const { tokens } = ctx.config
  return {
    method: 'POST',
    url: '/v1/auth/tokens/:id/rotate',
    config: needs(),
    schema: {
      summary: 'Rotate an API token',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        properties: {
          grace_period_seconds: {
            type: 'integer',
            minimum: 0,
            maximum: tokens.maxRotationGraceSeconds,
          },
        },
      },
      response: { 200: tokenSecretSchema },
      errors: ['insufficient_scope', 'conflict'],
    },
    // The body is optional: no body is the same as `{}`.
    preValidation: (request, _reply, done) => {
      request.body ??= {}
      done()
    },
    handler: async (request, reply) => {
      const principal = principalOf(request)
      const { token, secret, graceUntil } = await rotateToken(operationDepsOf(ctx, request), {
        tokenId: (request.params as { id: string }).id,
        owner: tokenOwnerFor(principal),
        graceSeconds: (request.body as Body)?.grace_period_seconds,
        by: principal.subject,
        caller: principal,
      })
      return reply
        .code(200)
        .header('cache-control', 'no-store')
        .send({
          ...tokenSecretView(token, secret),
          previous_token_expires_at: graceUntil.toISOString(),
        })
    },
  }
}
