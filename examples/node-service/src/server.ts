/**
 * An internal API reachable only with `X-Service-Token` (the secret from the environment),
 * `/health` open: the backend that only its gateway may call.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { env, serviceToken, type Logger } from '@keygate/core'
import { createNodeAuth, getPrincipal } from '@keygate/node'

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

/** Builds the server (not listening). */
export function createApp(options: AppOptions = {}): Server {
  const auth = createNodeAuth({
    strategies: [
      serviceToken({
        source: env('KEYGATE_SERVICE_TOKEN', options.env ? { env: options.env } : {}),
        header: 'x-service-token',
        subject: 'gateway',
      }),
    ],
    logger: options.logger,
  })
  return createServer(
    auth.protect((req, res) => {
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      const path = (req.url ?? '/').split('?')[0]
      if (req.method === 'GET' && path === '/health') return json(200, { status: 'ok' })
      if (req.method === 'GET' && path === '/v1/whoami') return json(200, getPrincipal(req))
      if (req.method === 'GET' && path === '/v1/things') return json(200, { items: THINGS })
      return json(404, { error: 'not found' })
    }),
  )
}

/** Starts the server; resolves with its URL. */
export async function start(options: AppOptions & { port?: number; host?: string } = {}) {
  const server = createApp(options)
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', resolve),
  )
  const { address, port } = server.address() as AddressInfo
  return { server, url: `http://${address}:${port}` }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await start({ port: Number(process.env.PORT ?? 3000) })
  console.log(`node-service listening on ${url}`)
}
