import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { start } from '../src/server.js'

const SECRET = randomBytes(32).toString('base64url')

describe('examples/node-service', () => {
  const servers: { close(): void }[] = []
  afterAll(() => servers.forEach((s) => s.close()))

  it('serves /health openly and /v1/* only with X-Service-Token', async () => {
    const { server, url } = await start({ port: 0, env: { KEYGATE_SERVICE_TOKEN: SECRET } })
    servers.push(server)
    expect((await fetch(`${url}/health`)).status).toBe(200)
    const denied = await fetch(`${url}/v1/things`)
    expect(denied.status).toBe(401)
    expect(denied.headers.get('content-type')).toBe('application/problem+json')
    const ok = await fetch(`${url}/v1/things`, { headers: { 'x-service-token': SECRET } })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ items: [{ id: 1 }, { id: 2 }] })
    const who = await fetch(`${url}/v1/whoami`, { headers: { 'x-service-token': SECRET } })
    expect(await who.json()).toMatchObject({
      kind: 'service',
      subject: 'gateway',
      via: 'service-token',
    })
  })

  it('answers 503 auth_not_configured when the secret is unset', async () => {
    const { server, url } = await start({ port: 0, env: {} })
    servers.push(server)
    const res = await fetch(`${url}/v1/things`, { headers: { 'x-service-token': 'anything' } })
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ code: 'auth_not_configured' })
  })

  it('runs as a process with npm start', async () => {
    const cwd = fileURLToPath(new URL('..', import.meta.url))
    const child = spawn(
      process.execPath,
      ['--conditions=@keygate/source', '--import', 'tsx', 'src/server.ts'],
      {
        cwd,
        env: { ...process.env, PORT: '0', KEYGATE_SERVICE_TOKEN: SECRET },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          const match = /listening on (http:\/\/\S+)/.exec(out)
          if (match) resolve(match[1]!)
        })
        child.on('exit', (code) => reject(new Error(`exited with ${code}`)))
      })
      const ok = await fetch(`${url}/v1/things`, { headers: { 'x-service-token': SECRET } })
      expect(ok.status).toBe(200)
    } finally {
      child.kill('SIGTERM')
    }
  })
})
