import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { serviceToken, staticSecrets } from '@keygate/core'
import { createNodeAuth, getPrincipal } from '@keygate/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { start } from '../src/server.js'

const SECRET = randomBytes(32).toString('base64url')
const servers: Server[] = []
let upstreamUrl: string

// The internal API, in process: every route behind X-Service-Token, as examples/node-service.
beforeAll(async () => {
  const auth = createNodeAuth({
    strategies: [
      serviceToken({
        source: staticSecrets([SECRET]),
        header: 'x-service-token',
        subject: 'gateway',
      }),
    ],
  })
  const upstream = createServer(
    auth.protect((req, res) => {
      if (req.url === '/v1/things') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({ items: [{ id: 1, name: 'anvil' }], caller: getPrincipal(req)?.subject }),
        )
        return
      }
      res.writeHead(404).end()
    }),
  )
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  servers.push(upstream)
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
})
afterAll(() => {
  for (const server of servers) {
    server.close()
    server.closeAllConnections()
  }
})

describe('examples/gateway', () => {
  it('forwards GET /things to the upstream with the service token', async () => {
    const { server, url } = await start({
      upstreamUrl,
      port: 0,
      env: { KEYGATE_SERVICE_TOKEN: SECRET },
    })
    servers.push(server)
    const res = await fetch(`${url}/things`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ items: [{ id: 1, name: 'anvil' }], caller: 'gateway' })
  })

  it('answers 502 when the upstream refuses its token, 503 when it has none', async () => {
    const wrong = await start({
      upstreamUrl,
      port: 0,
      env: { KEYGATE_SERVICE_TOKEN: randomBytes(32).toString('base64url') },
    })
    const unset = await start({ upstreamUrl, port: 0, env: {} })
    servers.push(wrong.server, unset.server)
    expect((await fetch(`${wrong.url}/things`)).status).toBe(502)
    expect((await fetch(`${unset.url}/things`)).status).toBe(503)
  })

  it('runs as a process with npm start', async () => {
    const cwd = fileURLToPath(new URL('..', import.meta.url))
    const child = spawn(
      process.execPath,
      ['--conditions=@keygate/source', '--import', 'tsx', 'src/server.ts'],
      {
        cwd,
        env: {
          ...process.env,
          PORT: '0',
          KEYGATE_SERVICE_TOKEN: SECRET,
          UPSTREAM_URL: upstreamUrl,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          const match = /listening on (http:\/\/[^\s,]+)/.exec(out)
          if (match) resolve(match[1]!)
        })
        child.on('exit', (code) => reject(new Error(`exited with ${code}`)))
      })
      const res = await fetch(`${url}/things`)
      expect(res.status).toBe(200)
    } finally {
      child.kill('SIGTERM')
    }
  })
})
