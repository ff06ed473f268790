import type { RouteOptions } from 'fastify'
import { needs, principalOf } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { notFound } from '../lib/errors.js'
import { findManageableToken } from '../lib/find-manageable-token.js'
import { newSecret } from '../lib/new-secret.js'
import { idParams, tokenSecretSchema } from '../lib/schemas.js'

type Body = { grace_period_seconds?: number } | undefined

/**
 * `POST /v1/auth/tokens/{id}/rotate`: the owner with `tokens:write`, or `tokens:manage`. A new
 * secret for the same token (id, name, scopes and expiry unchanged), shown once. The old secret
 * keeps working for `grace_period_seconds` (default from config), capped at the token's own
 * expiry. A revoked or expired token cannot be rotated: `404`, like a missing one.
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
    },
    // The body is optional: no body is the same as `{}`.
    preValidation: (request, _reply, done) => {
      request.body ??= {}
      done()
    },
    handler: async (request, reply) => {
      const principal = principalOf(request)
      const existing = await findManageableToken(
        ctx,
        principal,
        (request.params as { id: string }).id,
      )
      const now = ctx.now()
      if (existing.revokedAt !== null || existing.expiresAt.getTime() <= now.getTime())
        throw notFound()
      const grace = (request.body as Body)?.grace_period_seconds ?? tokens.rotationGraceSeconds
      const graceUntil = new Date(
        Math.min(now.getTime() + grace * 1000, existing.expiresAt.getTime()),
      )
      const secret = await newSecret(tokens)
      const token = await ctx.store.tokens.rotate(existing.id, {
        digest: secret.digest,
        hint: secret.hint,
        graceUntil,
      })
      if (token === undefined) throw notFound()
      // Cached verifications of the old secret are dropped: from now on the store decides, and
      // it honours the grace period.
      ctx.invalidate(token.id)
      request.log.info(
        { tokenId: token.id, userId: token.userId, by: principal.subject },
        'token rotated',
      )
      await ctx.audit({
        action: 'token.rotated',
        request,
        userId: token.userId,
        tokenId: token.id,
        details: { previous_token_expires_at: graceUntil.toISOString() },
      })
      return reply.code(200).header('cache-control', 'no-store').send({
        id: token.id,
        name: token.name,
        token: secret.token,
        scopes: token.scopes,
        created_at: token.createdAt.toISOString(),
        expires_at: token.expiresAt.toISOString(),
        previous_token_expires_at: graceUntil.toISOString(),
      })
    },
  }
}
