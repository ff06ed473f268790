/**
 * A second token-service instance on a harness's database: two `createServer` calls in one
 * process stand for two machines (each has its own verification cache, rate limiter fallback,
 * Redis connections and revocation-bus connection).
 */
import { createServer, type KeygateServer, type ServerConfigInput } from '../src/index.js'
import type { RevocationBus } from '../src/revocation/index.js'
import type { Harness } from './harness.js'

export type Peer = {
  readonly url: string
  readonly server: KeygateServer
  readonly logs: string[]
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown },
  ): Promise<Response>
  close(): Promise<void>
}

/**
 * Starts another instance on `h`'s database (same SQLite file or PostgreSQL schema); `bus`
 * replaces the revocation bus the configuration would open.
 */
export async function startPeer(
  h: Harness,
  config: ServerConfigInput = {},
  options: { bus?: RevocationBus; setup?: (server: KeygateServer) => void } = {},
): Promise<Peer> {
  const logs: string[] = []
  const server = await createServer(
    {
      port: 0,
      logLevel: 'info',
      ...config,
      database: { url: h.database.url, schema: h.database.schema, migrate: false },
    },
    {
      logStream: { write: (line) => logs.push(line) },
      ...(options.bus === undefined ? {} : { revocationBus: options.bus }),
    },
  )
  options.setup?.(server)
  const url = await server.listen({ host: '127.0.0.1', port: 0 })
  return {
    url,
    server,
    logs,
    request(method, path, options = {}) {
      const headers: Record<string, string> = {}
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
      let body: string | undefined
      if (options.body !== undefined) {
        body = JSON.stringify(options.body)
        headers['content-type'] = 'application/json'
      }
      return fetch(`${url}${path}`, { method, headers, body })
    },
    close: () => server.close(),
  }
}
