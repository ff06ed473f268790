import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach } from 'vitest'
import type { ConformanceApp } from './conformance/types.js'

/** A Node request handler; what it returns (Koa's callback answers a promise) is ignored. */
export type NodeRequestHandler = (request: IncomingMessage, response: ServerResponse) => unknown

/**
 * Serves `handler` (an Express app, Koa's `app.callback()`, any Node request listener) on
 * 127.0.0.1, port 0: its URL and a `close()` that ends every connection.
 *
 * @example
 * ```ts
 * const app = await serve(express().use(keygate(options)))
 * await fetch(`${app.url}/things`)
 * await app.close()
 * ```
 */
export async function serve(handler: NodeRequestHandler): Promise<ConformanceApp> {
  const server = createServer((request, response) => void handler(request, response))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/**
 * {@link serve} for one test file: each call serves a handler and answers its URL, and every
 * server is closed after each test.
 *
 * @example
 * ```ts
 * const listen = serveEach()
 * it('…', async () => { const url = await listen(app) })
 * ```
 */
export function serveEach(): (handler: NodeRequestHandler) => Promise<string> {
  const apps: ConformanceApp[] = []
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()))
  })
  return async (handler) => {
    const app = await serve(handler)
    apps.push(app)
    return app.url
  }
}
