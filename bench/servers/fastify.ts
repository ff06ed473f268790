import bearerAuth from '@fastify/bearer-auth'
import { createAuthenticator, serviceToken, staticSecrets } from '@keygate/core'
import { keygate } from '@keygate/fastify'
import Fastify from 'fastify'
import { announce, SECRET, variant } from './common.js'

const app = Fastify({ logger: false })
if (variant === 'keygate') {
  await app.register(keygate, {
    authenticator: createAuthenticator({
      strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
    }),
  })
} else if (variant === 'peer') {
  await app.register(bearerAuth, { keys: new Set([SECRET]) })
} else if (variant !== 'none') {
  console.error(`fastify: no variant ${variant}`)
  process.exit(3)
}
app.get('/', () => ({ hello: 'world' }))
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
announce(typeof address === 'object' && address !== null ? address.port : 0)
