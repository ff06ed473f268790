/**
 * A tiny trusted gateway: `GET /things` is forwarded to the internal API's `GET /v1/things` with
 * the service token (`X-Service-Token`, from `KEYGATE_SERVICE_TOKEN`) attached by
 * `@keygate/client`. The upstream is `UPSTREAM_URL` (the `examples/node-service` app, say).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { createServiceFetch } from '@keygate/client'
import { AuthError, env, type Logger } from '@keygate/core'

/** Options of {@link createGateway}. */
export type GatewayOptions = {
  /** Base URL of the internal API; the service token is only ever sent to its origin. */
  upstreamUrl: string
  /** Where `KEYGATE_SERVICE_TOKEN` is read from; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  logger?: Logger
}

/** Builds the gateway (not listening). */
export function createGateway(options: GatewayOptions): Server {
  const upstream = createServiceFetch({
    source: env('KEYGATE_SERVICE_TOKEN', options.env ? { env: options.env } : {}),
    header: 'x-service-token',
    baseUrl: options.upstreamUrl,
    logger: options.logger,
  })

  return createServer((req, res) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    const path = (req.url ?? '/').split('?')[0]
    if (req.method === 'GET' && path === '/health') return json(200, { status: 'ok' })
    if (req.method !== 'GET' || path !== '/things') return json(404, { error: 'not found' })

    upstream('/v1/things', { signal: AbortSignal.timeout(10_000) }).then(
      async (answer) => {
        // The upstream refusing our token is the gateway's problem, not the caller's: 502.
        if (answer.status === 401 || answer.status === 403) {
          await answer.body?.cancel()
          return json(502, { error: 'the upstream refused the gateway' })
        }
        json(answer.status, await answer.json())
      },
      (error: unknown) => {
        // No token configured, or its source down: 503. Anything else (network): 502.
        if (error instanceof AuthError) return json(503, { error: 'service token unavailable' })
        json(502, { error: 'upstream unreachable' })
      },
    )
  })
}

/** Starts the gateway; resolves with its URL. */
export async function start(options: GatewayOptions & { port?: number; host?: string }) {
  const server = createGateway(options)
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 3001, options.host ?? '127.0.0.1', resolve),
  )
  const { address, port } = server.address() as AddressInfo
  return { server, url: `http://${address}:${port}` }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const upstreamUrl = process.env.UPSTREAM_URL
  if (upstreamUrl === undefined || upstreamUrl === '') {
    console.error(
      'gateway: set UPSTREAM_URL to the internal API, e.g. UPSTREAM_URL=http://127.0.0.1:3000',
    )
    process.exit(1)
  }
  const { url } = await start({ upstreamUrl, port: Number(process.env.PORT ?? 3001) })
  console.log(`gateway listening on ${url}, forwarding to ${upstreamUrl}`)
}
