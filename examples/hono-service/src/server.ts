/**
 * An internal API reachable only with `X-Service-Token` (the secret from the environment),
 * `/health` open: the backend that only its gateway may call, on Hono 4 and Node.
 */
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { serve, type ServerType } from '@hono/node-server'
import { env, serviceToken, type Logger } from '@keygate/core'
import { keygate, requirePrincipal } from '@keygate/hono'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'

const THINGS = [
  { id: 1, name: 'anvil' },
  { id: 2, name: 'rocket skates' },
]

/** Options of {@link createApp}. */
export type AppOptions = {
  /** Where the secret is read from; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  logger?: Logger
}

/** Builds the Hono app; `app.fetch` runs on any runtime, {@link start} serves it on Node. */
export function createApp(options: AppOptions = {}): Hono {
  const app = new Hono()
  // For every path, before the routes: unknown routes are gated too (a 404 never tells an
  // anonymous caller which routes exist).
  app.use(
    keygate({
      strategies: [
        serviceToken({
          source: env('KEYGATE_SERVICE_TOKEN', options.env ? { env: options.env } : {}),
          header: 'x-service-token',
          subject: 'gateway',
        }),
      ],
      logger: options.logger,
    }),
  )
  app.get('/health', (c) => c.json({ status: 'ok' }))
  app.get('/v1/whoami', (c) => c.json(requirePrincipal(c)))
  app.get('/v1/things', (c) => c.json({ items: THINGS }))
  app.notFound((c) => c.json({ error: 'not found' }, 404))
  // keygate answers its own failures; what reaches here is the app's own error (or the 401
  // requirePrincipal throws when a route is wired without authentication).
  app.onError((error, c) =>
    error instanceof HTTPException ? error.getResponse() : c.json({ error: 'internal error' }, 500),
  )
  return app
}

/** Starts the server on Node; resolves with it and its URL. */
export async function start(
  options: AppOptions & { port?: number; host?: string } = {},
): Promise<{ server: ServerType; url: string }> {
  const app = createApp(options)
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve(
      { fetch: app.fetch, port: options.port ?? 3000, hostname: options.host ?? '127.0.0.1' },
      () => resolve(s),
    )
    s.once('error', reject)
  })
  const { address, port } = server.address() as AddressInfo
  return { server, url: `http://${address}:${port}` }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await start({ port: Number(process.env.PORT ?? 3000) })
  console.log(`hono-service listening on ${url}`)
}
