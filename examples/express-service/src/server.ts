/**
 * An internal API reachable only with `X-Service-Token` (the secret from the environment),
 * `/health` open: the backend that only its gateway may call, on Express 5.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { env, serviceToken, type Logger } from '@keygate/core'
import { keygate } from '@keygate/express'
import express, { type ErrorRequestHandler, type Express } from 'express'

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

/** Builds the Express app (not listening). */
export function createApp(options: AppOptions = {}): Express {
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
  const app = express()
  app.disable('x-powered-by')
  // Before every route, so unknown routes are gated too (a 404 never tells an anonymous caller
  // which routes exist).
  app.use(auth)
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' })
  })
  app.get('/v1/whoami', (req, res) => {
    res.json(req.auth ?? null)
  })
  app.get('/v1/things', (_req, res) => {
    res.json({ items: THINGS })
  })
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' })
  })
  // keygate answers its own failures; what reaches here is the app's own error.
  const onError: ErrorRequestHandler = (_error, _req, res, _next) => {
    res.status(500).json({ error: 'internal error' })
  }
  app.use(onError)
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
  console.log(`express-service listening on ${url}`)
}
