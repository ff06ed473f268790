import type { RouteOptions } from 'fastify'
import { PUBLIC } from '../auth/register-auth.js'
import { behind } from '../auth/side-gate.js'
import type { ServerContext } from '../context.js'
import { createMetricsGate } from '../metrics/create-metrics-gate.js'

/**
 * `GET /metrics`: the Prometheus text format. Not behind the API-token gate; with
 * `metrics.protect: service-token` the scraper presents the metrics secret as
 * `Authorization: Bearer <secret>` and a refusal is the usual problem+json answer
 * (`401 invalid_token`, `503 auth_not_configured` while the secret is unset).
 */
export function getMetricsRoute(ctx: ServerContext): RouteOptions {
  const protect = ctx.config.metrics.protect === 'service-token'
  return {
    method: 'GET',
    url: '/metrics',
    // Behind its own gate (logged and counted like the API's), not the API-token one.
    config: protect
      ? behind(createMetricsGate({ ...ctx.gateOptions, config: ctx.config, metrics: ctx.metrics }))
      : PUBLIC,
    schema: {
      summary: 'Prometheus metrics',
      description:
        'Authentication decisions, verification latency, token-cache hits and misses, rate-limit ' +
        'rejections, secret-source refreshes and process metrics, in the Prometheus text format.',
      tags: ['operations'],
      ...(protect ? { security: [{ metricsToken: [] }] } : {}),
      response: {
        200: {
          description: 'Prometheus text exposition format 0.0.4',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
      },
    },
    handler: async (_request, reply) => {
      const text = await ctx.metrics.render()
      return reply.type(ctx.metrics.contentType).send(text)
    },
  }
}
