import type { AddressInfo } from 'node:net'
import { createAuthenticator, serviceToken, staticSecrets } from '@keygate/core'
import { keygate } from '@keygate/express'
import express from 'express'
import { announce, SECRET, variant } from './common.js'

const app = express()
app.disable('x-powered-by')
app.disable('etag')
if (variant === 'keygate') {
  app.use(
    keygate({
      authenticator: createAuthenticator({
        strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
      }),
    }),
  )
} else if (variant !== 'none') {
  console.error('express: no peer')
  process.exit(3)
}
app.get('/', (_req, res) => {
  res.json({ hello: 'world' })
})
const server = app.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port))
