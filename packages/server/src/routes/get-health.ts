import type { RouteOptions } from 'fastify'
import { PUBLIC } from '../auth/register-auth.js'

/** `GET /health`: liveness. No dependency checks, no versions (SPEC §6). */
export function getHealthRoute(): RouteOptions {
  return {
    method: 'GET',
    url: '/health',
    config: PUBLIC,
    schema: {
      summary: 'Liveness',
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['status'],
          properties: { status: { type: 'string', enum: ['ok'] } },
        },
      },
    },
    handler: (_request, reply) => reply.send({ status: 'ok' }),
  }
}
