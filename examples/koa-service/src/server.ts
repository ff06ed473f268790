/**
 * An internal API reachable only with `X-Service-Token` (the secret from the environment),
 * `/health` open: the backend that only its gateway may call, on Koa 3.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { env, serviceToken, type Logger } from '@keygate/core'
import { keygate } from '@keygate/koa'
import Koa from 'koa'

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

/** Builds the Koa app (not listening). */
export function createApp(options: AppOptions = {}): Koa {
  const auth = keygate({
    strategies: [
      serviceToken({
        source: env('KEYGATE_SERVICE_TOKEN', options.env ? { env: options.env } : {}),
        header: 'x-service-token',
        subject: 'gateway',
      }),
    ],
    logger: options.logger,
  })
  const app = new Koa()
  // Before every route, so unknown routes are gated too (a 404 never tells an anonymous caller
  // which routes exist).
  app.use(auth)
  app.use((ctx) => {
    if (ctx.method === 'GET' && ctx.path === '/health') {
      ctx.body = { status: 'ok' }
    } else if (ctx.method === 'GET' && ctx.path === '/v1/whoami') {
      ctx.body = ctx.state.auth ?? null
    } else if (ctx.method === 'GET' && ctx.path === '/v1/things') {
      ctx.body = { items: THINGS }
    } else {
      ctx.status = 404
      ctx.body = { error: 'not found' }
    }
  })
  return app
}

/** Starts the server; resolves with it and its URL. */
export async function start(
  options: AppOptions & { port?: number; host?: string } = {},
): Promise<{ server: Server; url: string }> {
  const server = createApp(options).listen(options.port ?? 3000, options.host ?? '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve).once('error', reject)
  })
  const { address, port } = server.address() as AddressInfo
  return { server, url: `http://${address}:${port}` }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await start({ port: Number(process.env.PORT ?? 3000) })
  console.log(`koa-service listening on ${url}`)
}
