import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import { start } from '../src/server.js'

const SECRET = randomBytes(32).toString('base64url')

describe('examples/fastify-service', () => {
  const apps: FastifyInstance[] = []
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()))
  })

  it('serves /health openly and /v1/* only with X-Service-Token', async () => {
    const { app, url } = await start({ port: 0, env: { KEYGATE_SERVICE_TOKEN: SECRET } })
    apps.push(app)
    const health = await fetch(`${url}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    const denied = await fetch(`${url}/v1/things`)
    expect(denied.status).toBe(401)
    expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(await denied.json()).toMatchObject({ code: 'missing_credentials' })
    const wrong = await fetch(`${url}/v1/things`, { headers: { 'x-service-token': 'wrong' } })
    expect(await wrong.json()).toMatchObject({ status: 401, code: 'invalid_token' })
    const ok = await fetch(`${url}/v1/things`, { headers: { 'x-service-token': SECRET } })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ items: [{ id: 1 }, { id: 2 }] })
    const who = await fetch(`${url}/v1/whoami`, { headers: { 'x-service-token': SECRET } })
    expect(await who.json()).toMatchObject({
      kind: 'service',
      subject: 'gateway',
      via: 'service-token',
    })
    expect((await fetch(`${url}/nope`)).status).toBe(401)
    const missing = await fetch(`${url}/nope`, { headers: { 'x-service-token': SECRET } })
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ error: 'not found' })
  })

  it('answers 503 auth_not_configured when the secret is unset', async () => {
    const { app, url } = await start({ port: 0, env: {} })
    apps.push(app)
    const res = await fetch(`${url}/v1/things`, { headers: { 'x-service-token': 'anything' } })
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ code: 'auth_not_configured' })
    expect((await fetch(`${url}/health`)).status).toBe(200)
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
      expect((await fetch(`${url}/v1/things`)).status).toBe(401)
    } finally {
      child.kill('SIGTERM')
    }
  })
})
