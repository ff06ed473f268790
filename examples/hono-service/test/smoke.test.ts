import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { closeServer, runExampleSmoke } from '../../smoke.js'
import { createApp, start } from '../src/server.js'

runExampleSmoke({
  name: 'hono-service',
  testFileUrl: import.meta.url,
  async start({ env }) {
    const { server, url } = await start({ port: 0, env })
    return { url, close: () => closeServer(server) }
  },
})

describe('examples/hono-service on the Web-standard path (app.fetch, as on Workers or Deno)', () => {
  it('gates the same routes without Node', async () => {
    const secret = randomBytes(32).toString('base64url')
    const app = createApp({ env: { KEYGATE_SERVICE_TOKEN: secret } })
    expect((await app.request('/health')).status).toBe(200)
    expect((await app.request('/v1/things')).status).toBe(401)
    const ok = await app.request('/v1/things', { headers: { 'x-service-token': secret } })
    expect(ok.status).toBe(200)
  })
})
