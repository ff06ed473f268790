/**
 * The smoke suite every example service runs: the same internal API (`/health` open, `/v1/*` only
 * with `X-Service-Token`), in process and as a process started the way `npm start` starts it.
 * Registers Vitest tests in the calling file.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

/** A started example: its URL and how to stop it. */
export type StartedExample = { url: string; close(): Promise<void> }

export type ExampleSmokeOptions = {
  /** `examples/<name>`, shown in the suite's name. */
  name: string
  /** The test file's `import.meta.url`: the example's folder is its parent's parent. */
  testFileUrl: string
  /** Starts the example on 127.0.0.1, port 0, reading the secret from `env`. */
  start(options: { env: Record<string, string> }): Promise<StartedExample>
}

/** Closes a node:http server (or anything with the same `close(callback)`). */
export function closeServer(server: { close(callback: () => void): unknown }): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()))
}

export function runExampleSmoke(options: ExampleSmokeOptions): void {
  const secret = randomBytes(32).toString('base64url')
  const withToken = { headers: { 'x-service-token': secret } }

  describe(`examples/${options.name}`, () => {
    const started: StartedExample[] = []
    afterAll(async () => {
      await Promise.all(started.map((s) => s.close()))
    })
    const start = async (env: Record<string, string>) => {
      const example = await options.start({ env })
      started.push(example)
      return example.url
    }

    it('serves /health openly and /v1/* only with X-Service-Token', async () => {
      const url = await start({ KEYGATE_SERVICE_TOKEN: secret })
      const health = await fetch(`${url}/health`)
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ status: 'ok' })
      const denied = await fetch(`${url}/v1/things`)
      expect(denied.status).toBe(401)
      expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(await denied.json()).toMatchObject({ code: 'missing_credentials' })
      const wrong = await fetch(`${url}/v1/things`, { headers: { 'x-service-token': 'wrong' } })
      expect(await wrong.json()).toMatchObject({ status: 401, code: 'invalid_token' })
      const ok = await fetch(`${url}/v1/things`, withToken)
      expect(ok.status).toBe(200)
      expect(await ok.json()).toMatchObject({ items: [{ id: 1 }, { id: 2 }] })
      const who = await fetch(`${url}/v1/whoami`, withToken)
      expect(await who.json()).toMatchObject({
        kind: 'service',
        subject: 'gateway',
        via: 'service-token',
      })
      // Unknown routes are gated too: a 404 never tells an anonymous caller which routes exist.
      expect((await fetch(`${url}/nope`)).status).toBe(401)
      const missing = await fetch(`${url}/nope`, withToken)
      expect(missing.status).toBe(404)
      expect(await missing.json()).toEqual({ error: 'not found' })
    })

    it('answers 503 auth_not_configured when the secret is unset', async () => {
      const url = await start({})
      const res = await fetch(`${url}/v1/things`, { headers: { 'x-service-token': 'anything' } })
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ code: 'auth_not_configured' })
      expect((await fetch(`${url}/health`)).status).toBe(200)
    })

    it('runs as a process with npm start', async () => {
      const cwd = fileURLToPath(new URL('..', options.testFileUrl))
      const child = spawn(
        process.execPath,
        ['--conditions=@keygate/source', '--import', 'tsx', 'src/server.ts'],
        {
          cwd,
          env: { ...process.env, PORT: '0', KEYGATE_SERVICE_TOKEN: secret },
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
        expect((await fetch(`${url}/v1/things`)).status).toBe(401)
        expect((await fetch(`${url}/v1/things`, withToken)).status).toBe(200)
      } finally {
        child.kill('SIGTERM')
      }
    })
  })
}
