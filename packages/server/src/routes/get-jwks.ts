import type { RouteOptions } from 'fastify'
import { PUBLIC } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'

const jwkSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kty', 'kid', 'alg', 'use'],
  properties: {
    kty: { type: 'string', enum: ['OKP', 'EC'] },
    crv: { type: 'string', enum: ['Ed25519', 'P-256'] },
    x: { type: 'string' },
    y: { type: 'string' },
    kid: { type: 'string' },
    alg: { type: 'string', enum: ['EdDSA', 'ES256'] },
    use: { type: 'string', enum: ['sig'] },
  },
} as const

/**
 * `GET /.well-known/jwks.json` (anyone): the public keys that verify sessions and gateway
 * assertions (`Keygate-Assertion`, docs/edge.md), one keyring for both (RFC 7517 JWK Set).
 * It lists the key that signs now, its successor from `publishAheadSeconds` before it signs, and
 * retired keys until their last session has expired. Cacheable for 5 minutes, well under the
 * publish-ahead time, so a verifier always knows a key before it signs.
 */
export function getJWKSRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'GET',
    url: '/.well-known/jwks.json',
    config: PUBLIC,
    schema: {
      summary: 'Public keys that verify sessions and gateway assertions (JWK Set)',
      tags: ['sessions'],
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['keys'],
          properties: { keys: { type: 'array', items: jwkSchema } },
        },
      },
    },
    handler: async (_request, reply) => {
      const jwks = await ctx.sessions.jwks()
      return reply.header('cache-control', 'public, max-age=300').send(jwks)
    },
  }
}
