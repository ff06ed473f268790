import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { runAdapterConformance, type ConformanceAppOptions } from '@keygate/testkit'
import { Hono } from 'hono'
import { keygate, requireScopes, type KeygateHonoOptions } from './index.js'

async function startApp({ auth, onAppError, hopped }: ConformanceAppOptions, webOnly: boolean) {
  const app = new Hono()
  app.onError((error, c) => {
    onAppError(error)
    return c.text('app error handler', 500)
  })
  // Web runtimes have no socket address to read: the app passes its own, as the README says.
  const options: KeygateHonoOptions = webOnly ? { ...auth, clientIp: () => '192.0.2.1' } : auth
  app.use(keygate(options))
  app.get('/health', (c) => c.json({ status: 'ok' }))
  app.get('/private', (c) => c.json({ principal: c.get('auth') ?? null, hopped: hopped() }))
  app.get('/scoped', requireScopes('things:read'), (c) => c.json({ principal: c.var.auth ?? null }))
  app.get('/boom', () => {
    throw new Error('boom')
  })
  // webOnly: the app sees a plain Request and no c.env.incoming, as on Deno, Bun or Workers.
  const fetch = webOnly ? (request: Request) => app.fetch(request) : app.fetch
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

runAdapterConformance({
  name: 'hono on @hono/node-server (raw Node request)',
  start: (options) => startApp(options, false),
})

runAdapterConformance({
  name: 'hono, Web-standard path (Request and Headers only)',
  start: (options) => startApp(options, true),
})
