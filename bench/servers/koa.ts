import type { AddressInfo } from 'node:net'
import { createAuthenticator, serviceToken, staticSecrets } from '@keygate/core'
import { keygate } from '@keygate/koa'
import Koa from 'koa'
import { announce, SECRET, variant } from './common.js'

const app = new Koa()
if (variant === 'keygate') {
  app.use(
    keygate({
      authenticator: createAuthenticator({
        strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
      }),
    }),
  )
} else if (variant !== 'none') {
  console.error(`koa: no variant ${variant}`)
  process.exit(3)
}
app.use((ctx) => {
  ctx.body = { hello: 'world' }
})
const server = app.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port))
