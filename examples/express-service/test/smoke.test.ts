import { closeServer, runExampleSmoke } from '../../smoke.js'
import { start } from '../src/server.js'

runExampleSmoke({
  name: 'express-service',
  testFileUrl: import.meta.url,
  async start({ env }) {
    const { server, url } = await start({ port: 0, env })
    return { url, close: () => closeServer(server) }
  },
})
