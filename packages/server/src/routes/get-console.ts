import { loadConsoleAssets, type ConsoleAsset } from '@keygate/console'
import type { FastifyReply, RouteOptions } from 'fastify'
import { PUBLIC } from '../auth/register-auth.js'
import { notFound } from '../lib/errors.js'

/**
 * The console's page and files load from this origin only; scripts only from files (no inline
 * script, no `eval`), styles likewise; it talks to the API on this origin; nothing may frame it.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

function send(reply: FastifyReply, asset: ConsoleAsset): FastifyReply {
  return (
    reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-frame-options', 'DENY')
      .header('x-content-type-options', 'nosniff')
      // `same-origin`, not `no-referrer`: a same-origin fetch still names its page.
      .header('referrer-policy', 'same-origin')
      .header('cross-origin-opener-policy', 'same-origin')
      .header('cross-origin-resource-policy', 'same-origin')
      .type(asset.contentType)
      .send(asset.body)
  )
}

/**
 * `GET /console` (public): the web console (`@keygate/console`), one page and its files, read
 * once at start from the package's committed assets; `GET /` redirects to it. The page itself
 * holds nothing secret: it signs in through `POST /v1/auth/sessions` and from then on talks to
 * the API with the session cookie, like any other client (docs/console.md).
 */
export function consoleRoutes(): RouteOptions[] {
  const assets = new Map(loadConsoleAssets().map((asset) => [asset.name, asset]))
  const page = assets.get('index.html')
  if (page === undefined) throw new Error('@keygate/console has no index.html')
  const hidden = { hide: true }
  return [
    {
      method: 'GET',
      url: '/',
      config: PUBLIC,
      schema: hidden,
      handler: (_request, reply) => reply.redirect('/console', 302),
    },
    {
      method: 'GET',
      url: '/console',
      config: PUBLIC,
      schema: hidden,
      handler: (_request, reply) => send(reply, page),
    },
    {
      method: 'GET',
      url: '/console/:file',
      config: PUBLIC,
      schema: hidden,
      handler: (request, reply) => {
        const name = (request.params as { file: string }).file
        const asset = name === 'index.html' ? undefined : assets.get(name)
        if (asset === undefined) throw notFound()
        return send(reply, asset)
      },
    },
  ]
}
