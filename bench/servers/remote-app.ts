/**
 * The app of `npm run bench -- remote`, in its own process: `remote-app.ts <token-service-url>`.
 * `GET /health` answers openly; `GET /protected` is the same handler behind
 * `apiTokens({ store: introspection(...) })`, so the difference is the remote verification alone.
 * The service token comes from `KEYGATE_SERVICE_TOKEN`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { apiTokens, createAuthenticator, env, introspection } from '@keygate/core'
import { createNodeAuth } from '@keygate/node'
import { announce, HELLO } from './common.js'

const url = process.argv[2]
if (url === undefined) {
  console.error('remote-app: the token service URL is required')
  process.exit(2)
}
const remote = introspection({ url, secret: env('KEYGATE_SERVICE_TOKEN') })
const auth = createNodeAuth({
  authenticator: createAuthenticator({
    strategies: [apiTokens({ store: remote })],
    publicPaths: ['/health'],
  }),
})
const protectedHello = auth.protect((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(HELLO)
})
const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(HELLO)
    return
  }
  protectedHello(req, res)
})
await remote.ready
server.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port))
process.once('SIGTERM', () => {
  remote.close()
  server.close(() => process.exit(0))
})
