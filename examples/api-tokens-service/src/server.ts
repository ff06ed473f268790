/**
 * A user-facing API that accepts the API tokens users create on the keygate token service:
 * `apiTokens({ store: introspection(...) })` asks the token service (RFC 7662) and listens to its
 * revocation stream, so a revoked token is refused here within a second. `/health` is open;
 * `/v1/runs` needs the application scope `runs:read`; `/v1/whoami` any valid token.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import {
  apiTokens,
  env,
  introspection,
  type IntrospectionVerifier,
  type Logger,
} from '@keygate/core'
import { keygate } from '@keygate/express'
import express, { type ErrorRequestHandler, type Express } from 'express'

const RUNS = [
  { id: 'run_1', status: 'succeeded' },
  { id: 'run_2', status: 'running' },
]

/** Options of {@link createApp}. */
export type AppOptions = {
  /** Where `KEYGATE_URL`, `KEYGATE_SERVICE_TOKEN` and the cache bounds are read; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  logger?: Logger
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined
  const parsed = Number(value)
  if (!Number.isInteger(parsed)) throw new TypeError(`${name} must be an integer`)
  return parsed
}

/** Builds the Express app (not listening) and the remote verifier it uses. */
export function createApp(options: AppOptions = {}): {
  app: Express
  verifier: IntrospectionVerifier
} {
  const vars = options.env ?? process.env
  const url = vars.KEYGATE_URL
  if (url === undefined || url === '') {
    throw new TypeError('KEYGATE_URL must name the token service, e.g. http://127.0.0.1:4400')
  }
  const ttlMs = integer(vars.KEYGATE_INTROSPECTION_TTL_MS, 'KEYGATE_INTROSPECTION_TTL_MS')
  const maxStaleMs = integer(
    vars.KEYGATE_INTROSPECTION_MAX_STALE_MS,
    'KEYGATE_INTROSPECTION_MAX_STALE_MS',
  )
  const verifier = introspection({
    url,
    secret: env('KEYGATE_SERVICE_TOKEN', { env: vars }),
    ...(ttlMs === undefined ? {} : { ttlMs, negativeTtlMs: Math.min(1000, ttlMs) }),
    ...(maxStaleMs === undefined ? {} : { maxStaleMs }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  })
  const auth = keygate({
    strategies: [
      apiTokens({
        store: verifier,
        prefix: vars.KEYGATE_TOKEN_PREFIX ?? 'kg',
        ...(ttlMs === undefined ? {} : { cache: { ttlMs, negativeTtlMs: Math.min(1000, ttlMs) } }),
      }),
    ],
    publicPaths: ['/health'],
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  })
  const app = express()
  app.disable('x-powered-by')
  app.use(auth)
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' })
  })
  app.get('/v1/whoami', (req, res) => {
    res.json(req.auth ?? null)
  })
  app.get('/v1/runs', auth.requireScopes('runs:read'), (_req, res) => {
    res.json({ items: RUNS })
  })
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' })
  })
  const onError: ErrorRequestHandler = (_error, _req, res, _next) => {
    res.status(500).json({ error: 'internal error' })
  }
  app.use(onError)
  return { app, verifier }
}

/** Starts the server; resolves with it, its URL and the verifier. */
export async function start(
  options: AppOptions & { port?: number; host?: string } = {},
): Promise<{ server: Server; url: string; verifier: IntrospectionVerifier }> {
  const { app, verifier } = createApp(options)
  const server = app.listen(options.port ?? 3000, options.host ?? '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve).once('error', reject)
  })
  server.once('close', () => verifier.close())
  const { address, port } = server.address() as AddressInfo
  return { server, url: `http://${address}:${port}`, verifier }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await start({ port: Number(process.env.PORT ?? 3000) })
  console.log(`api-tokens-service listening on ${url}`)
}
