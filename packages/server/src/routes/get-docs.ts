import type { RouteOptions } from 'fastify'
import { PUBLIC } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { renderDocsPage } from '../openapi/render-docs-page.js'

// The page is self-contained: nothing may load from anywhere, inline styles aside.
const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

/**
 * `GET /docs` (public): a readable reference of the OpenAPI document, one HTML page rendered
 * on the server from local assets only (no script, no CDN, no external font).
 */
export function getDocsRoute(ctx: ServerContext): RouteOptions {
  let page: string | undefined
  return {
    method: 'GET',
    url: '/docs',
    config: PUBLIC,
    schema: {
      summary: 'A readable API reference',
      tags: ['reference'],
      operationId: 'getDocs',
      response: {
        200: {
          description: 'An HTML page',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
      },
    },
    handler: (_request, reply) => {
      page ??= renderDocsPage(ctx.apiDocument())
      return reply
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .type('text/html; charset=utf-8')
        .send(page)
    },
  }
}
