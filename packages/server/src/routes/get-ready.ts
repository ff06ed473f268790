import type { RouteOptions } from 'fastify'
import { PUBLIC } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { ServiceError } from '../lib/errors.js'

const PING_TIMEOUT_MS = 2000
const REDIS_PING_TIMEOUT_MS = 1000

/** Resolves with `check`, or rejects when it takes longer than `ms`. */
async function within(check: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      check,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('ping timed out')), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * `GET /ready`: `200 {"status":"ok"}` when the database answers within 2 s and, when Redis is
 * configured, Redis answers a PING within 1 s; else `503 auth_unavailable` (problem+json,
 * `Retry-After`): this instance cannot verify tokens, or would not share rate limits and
 * revocations with the others (docs/scaling.md).
 */
export function getReadyRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'GET',
    url: '/ready',
    config: PUBLIC,
    schema: {
      summary: 'Readiness: the database (and Redis, when configured) answers',
      errors: ['auth_unavailable'],
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['status'],
          properties: { status: { type: 'string', enum: ['ok'] } },
        },
      },
    },
    handler: async (request) => {
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          ctx.store.ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('ping timed out')), PING_TIMEOUT_MS)
          }),
        ])
      } catch (error) {
        request.log.warn(
          { err: { type: (error as Error)?.name } },
          'readiness: database unavailable',
        )
        throw new ServiceError('auth_unavailable', {
          detail: 'The database is not reachable',
          retryAfterSeconds: 5,
        })
      } finally {
        clearTimeout(timer)
      }
      if (ctx.redis !== undefined) {
        try {
          await within(ctx.redis.ping(), REDIS_PING_TIMEOUT_MS)
        } catch (error) {
          request.log.warn(
            { err: { type: (error as Error)?.name } },
            'readiness: Redis unavailable',
          )
          throw new ServiceError('auth_unavailable', {
            detail: 'Redis is not reachable',
            retryAfterSeconds: 5,
          })
        }
      }
      return { status: 'ok' }
    },
  }
}
