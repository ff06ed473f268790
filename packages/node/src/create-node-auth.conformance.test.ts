import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { runAdapterConformance } from '@keygate/testkit'
import { createNodeAuth, getPrincipal } from './index.js'

runAdapterConformance({
  name: 'node',
  async start({ auth, onAppError, hopped }) {
    const gate = createNodeAuth({
      ...auth,
      onError: (error, _req, res) => {
        onAppError(error)
        res.writeHead(500, { 'content-type': 'text/plain' }).end('app error handler')
      },
    })
    const server = createServer(
      gate.protect(async (req, res) => {
        const path = (req.url ?? '/').split('?')[0]
        const json = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
        }
        if (path === '/health') return json(200, { status: 'ok' })
        if (path === '/private')
          return json(200, { principal: getPrincipal(req) ?? null, hopped: hopped() })
        if (path === '/scoped') {
          if (!(await gate.check(req, res, { scopes: ['things:read'] }))) return
          return json(200, { principal: getPrincipal(req) ?? null })
        }
        if (path === '/boom') throw new Error('boom')
        return json(404, { error: 'not found' })
      }),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  },
})
