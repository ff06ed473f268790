/**
 * Express 5: `express.ts <variant>`. `none`; `keygate` (the service-token gate); `peer`, the
 * middleware people write by hand — `crypto.timingSafeEqual` of the whole `Authorization` value
 * against the expected one, after a length check.
 */
import { timingSafeEqual } from 'node:crypto'
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
} else if (variant === 'peer') {
  const expected = Buffer.from(`Bearer ${SECRET}`)
  app.use((req, res, next) => {
    const presented = Buffer.from(req.headers.authorization ?? '')
    if (presented.length === expected.length && timingSafeEqual(presented, expected)) {
      next()
      return
    }
    res.status(401).json({ error: 'unauthorized' })
  })
} else if (variant !== 'none') {
  console.error(`express: no variant ${variant}`)
  process.exit(3)
}
app.get('/', (_req, res) => {
  res.json({ hello: 'world' })
})
const server = app.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port))
