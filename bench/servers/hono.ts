import { serve } from '@hono/node-server'
import { createAuthenticator, serviceToken, staticSecrets } from '@keygate/core'
import { keygate } from '@keygate/hono'
import { Hono } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import { announce, SECRET, variant } from './common.js'

const app = new Hono()
if (variant === 'keygate') {
  app.use(
    keygate({
      authenticator: createAuthenticator({
        strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
      }),
    }),
  )
} else if (variant === 'peer') {
  app.use(bearerAuth({ token: SECRET }))
}
app.get('/', (c) => c.json({ hello: 'world' }))
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port))
