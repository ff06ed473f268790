import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAuthenticator, serviceToken, staticSecrets } from '@keygate/core'
import { createNodeAuth } from '@keygate/node'
import { announce, HELLO, SECRET, variant } from './common.js'

const hello: RequestListener = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(HELLO)
}
let handler: RequestListener = hello
if (variant === 'keygate') {
  const authenticator = createAuthenticator({
    strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
  })
  handler = createNodeAuth({ authenticator }).protect(hello)
} else if (variant === 'spin') {
  // For scale: 1 µs of plain JavaScript per request, about what keygate's gate costs in process.
  handler = (req, res) => {
    const end = performance.now() + 0.001
    while (performance.now() < end);
    hello(req, res)
  }
} else if (variant !== 'none') {
  console.error(`node: no variant ${variant}`)
  process.exit(3)
}
const server = createServer(handler)
server.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port))
