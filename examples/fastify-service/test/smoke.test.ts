import { runExampleSmoke } from '../../smoke.js'
import { start } from '../src/server.js'

runExampleSmoke({
  name: 'fastify-service',
  testFileUrl: import.meta.url,
  async start({ env }) {
    const { app, url } = await start({ port: 0, env })
    return { url, close: () => app.close() }
  },
})
