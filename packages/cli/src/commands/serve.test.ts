import { request as httpRequest, type ClientRequest } from 'node:http'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { openStore } from '@keygate/server'
import { afterAll, describe, expect, it } from 'vitest'
import {
  forEachBackend,
  freshDir,
  postgresDatabase,
  run,
  sqliteDatabase,
  start,
  type TestDatabase,
} from '../../test/run-keygate.js'

const PASSWORD = 'first admin password'
const CODE = /^ {4}([0-9A-Z]{4}(?:-[0-9A-Z]{4}){6})$/m

async function post(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  })
}

forEachBackend('keygate serve, first start', (backend) => {
  const dropped: TestDatabase[] = []
  afterAll(async () => {
    for (const database of dropped) await database.drop()
  })

  it('prints a one-time setup code; POST /v1/setup makes it a working admin; then 404 for good', async () => {
    const cwd = freshDir()
    const database = backend === 'sqlite' ? sqliteDatabase(cwd) : postgresDatabase()
    dropped.push(database)
    const env = { ...database.env, KEYGATE_PORT: '0', KEYGATE_LOG_LEVEL: 'warn' }
    const server = start(['serve'], { cwd, env })
    const [, url] = await server.waitFor(/keygate: listening on (http:\/\/127\.0\.0\.1:\d+)/)
    const [, code] = await server.waitFor(CODE)
    expect(server.stderr()).toContain(`POST ${url}/v1/setup`)
    expect(server.stderr()).toMatch(/single use, expires \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/)

    // The file sits next to the SQLite file (./data/ for PostgreSQL), readable by its owner only.
    const file = join(cwd, 'data', 'setup-code')
    expect(server.stderr()).toContain(file)
    expect(statSync(file).mode & 0o777).toBe(0o600)

    const wrong = await post(`${url}/v1/setup`, {
      code: 'AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA',
      email: 'root@example.com',
      password: PASSWORD,
    })
    expect(wrong.status).toBe(400)
    expect(await wrong.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ path: '/code', message: 'is not valid or has expired' }],
    })

    // Typed by hand: lower case, no dashes.
    const typed = code!.replaceAll('-', '').toLowerCase()
    const created = await post(`${url}/v1/setup`, {
      code: typed,
      email: 'Root@Example.com',
      password: PASSWORD,
    })
    expect(created.status).toBe(201)
    expect(await created.json()).toMatchObject({ email: 'root@example.com', role: 'admin' })
    expect(existsSync(file)).toBe(false)

    const again = await post(`${url}/v1/setup`, {
      code: code!,
      email: 'other@example.com',
      password: PASSWORD,
    })
    expect(again.status).toBe(404)
    expect(again.headers.get('content-type')).toContain('application/problem+json')

    const issued = await post(`${url}/v1/auth/tokens`, {
      email: 'root@example.com',
      password: PASSWORD,
      name: 'first',
      scopes: ['users:manage'],
    })
    expect(issued.status).toBe(201)
    const { id, token } = (await issued.json()) as { id: string; token: string }
    const users = await fetch(`${url}/v1/users`, { headers: { authorization: `Bearer ${token}` } })
    expect(users.status).toBe(200)

    server.child.kill('SIGTERM')
    const result = await server.exited
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('keygate: stopped')
    // The code appears once, in the banner; the token never.
    expect(result.stderr.split(code!).length - 1).toBe(2) // the code line and the curl example
    expect(result.stdout).not.toContain(code!)
    expect(result.stdout + result.stderr).not.toContain(token)

    const store = await openStore({
      url: database.env.KEYGATE_DATABASE_URL!,
      ...(database.env.KEYGATE_DATABASE_SCHEMA === undefined
        ? {}
        : { schema: database.env.KEYGATE_DATABASE_SCHEMA }),
    })
    try {
      // Written by the shutdown flush (the periodic one is 10 s away).
      expect((await store.tokens.findById(id))?.lastUsedAt).toBeInstanceOf(Date)
      expect(await store.users.count()).toBe(1)
      expect(await store.setup.get()).toBeUndefined()
    } finally {
      await store.close()
    }

    // A start with users prints no code.
    const second = start(['serve'], { cwd, env })
    await second.waitFor(/keygate: listening on/)
    second.child.kill('SIGINT')
    const secondResult = await second.exited
    expect(secondResult.code).toBe(0)
    expect(secondResult.stderr).not.toContain('setup code')
  })
})

/** An HTTP request whose body is sent in two halves, so it is in flight until `finish()`. */
function halfSent(
  url: string,
  token: string,
  body: string,
): { finish(): void; response: Promise<{ status: number; body: string }>; request: ClientRequest } {
  const target = new URL(`${url}/v1/users`)
  let request!: ClientRequest
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        res.on('error', reject)
      },
    )
    request.on('error', reject)
  })
  const half = Math.floor(body.length / 2)
  request.write(body.slice(0, half))
  return { request, response, finish: () => request.end(body.slice(half)) }
}

describe('keygate serve, graceful shutdown [sqlite]', () => {
  async function firstAdmin(url: string, code: string): Promise<void> {
    const created = await post(`${url}/v1/setup`, {
      code,
      email: 'root@example.com',
      password: PASSWORD,
    })
    expect(created.status).toBe(201)
  }

  async function tokens(url: string, count: number): Promise<{ id: string; token: string }[]> {
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const response = await post(`${url}/v1/auth/tokens`, {
          email: 'root@example.com',
          password: PASSWORD,
          name: `burst-${i}`,
          scopes: ['users:manage'],
        })
        expect(response.status).toBe(201)
        return (await response.json()) as { id: string; token: string }
      }),
    )
  }

  function serve(cwd: string, extra: string[] = []) {
    return start(['serve', '--port', '0', ...extra], {
      cwd,
      env: {
        // info: Fastify logs "incoming request" as each request arrives, which is how this test
        // knows all of them are in flight before the signal.
        KEYGATE_LOG_LEVEL: 'info',
        KEYGATE_RATE_LIMITS_CREATE_TOKEN_PER_IP_LIMIT: '1000',
        KEYGATE_RATE_LIMITS_CREATE_TOKEN_PER_EMAIL_LIMIT: '1000',
        // Nothing is written by the periodic flush during the test: only shutdown can write.
        KEYGATE_LAST_USED_FLUSH_MS: '3600000',
      },
    })
  }

  async function waitForIncoming(server: ReturnType<typeof start>, count: number): Promise<void> {
    const deadline = Date.now() + 15_000
    while (Date.now() < deadline) {
      const arrived = server
        .stdout()
        .split('\n')
        .filter((line) => line.includes('incoming request') && line.includes('"POST"')).length
      if (arrived >= count) return
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error(`only some requests arrived:\n${server.stdout().slice(-2000)}`)
  }

  it('SIGTERM during a burst of 50 requests: every one completes, new connections are refused, last-used times are written', async () => {
    const cwd = freshDir()
    const server = serve(cwd)
    const [, url] = await server.waitFor(/keygate: listening on (http:\/\/127\.0\.0\.1:\d+)/)
    const [, code] = await server.waitFor(CODE)
    await firstAdmin(url!, code!)
    const issued = await tokens(url!, 10)

    // Bodies arrive in two halves: every request is accepted and authenticated, then waits for
    // the rest of its body, so all 50 are in flight when the signal comes.
    const inFlight = Array.from({ length: 50 }, (_, i) =>
      halfSent(
        url!,
        issued[i % issued.length]!.token,
        JSON.stringify({ email: `user${i}@example.com`, password: PASSWORD }),
      ),
    )
    await waitForIncoming(server, 50 + 1 + 10) // the burst, the setup, the tokens
    server.child.kill('SIGTERM')
    await server.waitFor(/SIGTERM: stopped accepting connections/)

    await expect(fetch(`${url}/health`)).rejects.toThrow()

    for (const request of inFlight) request.finish()
    const responses = await Promise.all(inFlight.map((r) => r.response))
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201))
    for (const response of responses) {
      expect(JSON.parse(response.body)).toMatchObject({ role: 'user', disabled: false })
    }

    const result = await server.exited
    expect(result.code).toBe(0)

    const store = await openStore({ url: `sqlite:${join(cwd, 'data', 'keygate.db')}` })
    try {
      expect(await store.users.count()).toBe(51)
      for (const { id } of issued) {
        expect((await store.tokens.findById(id))?.lastUsedAt, id).toBeInstanceOf(Date)
      }
    } finally {
      await store.close()
    }
  })

  it('cuts requests still running after --shutdown-timeout, exits 1, and still writes last-used times', async () => {
    const cwd = freshDir()
    const server = serve(cwd, ['--shutdown-timeout', '1'])
    const [, url] = await server.waitFor(/keygate: listening on (http:\/\/127\.0\.0\.1:\d+)/)
    const [, code] = await server.waitFor(CODE)
    await firstAdmin(url!, code!)
    const [issued] = await tokens(url!, 1)

    const stuck = halfSent(
      url!,
      issued!.token,
      JSON.stringify({ email: 'x@example.com', password: PASSWORD }),
    )
    const outcome = stuck.response.then(
      () => 'answered',
      () => 'cut',
    )
    await waitForIncoming(server, 3)
    server.child.kill('SIGTERM')
    const result = await server.exited
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('requests still running after 1 s: closing their connections')
    expect(await outcome).toBe('cut')

    const store = await openStore({ url: `sqlite:${join(cwd, 'data', 'keygate.db')}` })
    try {
      expect((await store.tokens.findById(issued!.id))?.lastUsedAt).toBeInstanceOf(Date)
    } finally {
      await store.close()
    }
  })
})

forEachBackend('keygate token revoke while keygate serve runs', (backend) => {
  const dropped: TestDatabase[] = []
  afterAll(async () => {
    for (const database of dropped) await database.drop()
  })

  it(
    backend === 'postgres'
      ? 'reaches the running instance at once over PostgreSQL NOTIFY (its cache would keep the token for a minute)'
      : 'has no bus on SQLite: the note says the cache bounds it',
    async () => {
      const cwd = freshDir()
      const database = backend === 'sqlite' ? sqliteDatabase(cwd) : postgresDatabase()
      dropped.push(database)
      const env = {
        ...database.env,
        KEYGATE_PORT: '0',
        KEYGATE_LOG_LEVEL: 'warn',
        KEYGATE_CACHE_TTL_MS: '60000',
      }
      const user = await run(['user', 'create', '--email', 'ops@example.com', '--password-stdin'], {
        cwd,
        env,
        stdin: PASSWORD,
      })
      expect(user.code).toBe(0)
      const created = await run(
        ['token', 'create', '--user', 'ops@example.com', '--name', 'n', '--json'],
        {
          cwd,
          env,
        },
      )
      const { id, token } = JSON.parse(created.stdout) as { id: string; token: string }

      const server = start(['serve'], { cwd, env })
      const [, url] = await server.waitFor(/keygate: listening on (http:\/\/127\.0\.0\.1:\d+)/)
      expect(server.stderr()).not.toContain('setup code')
      const me = () =>
        fetch(`${url}/v1/users/me`, { headers: { authorization: `Bearer ${token}` } }).then(
          (r) => r.status,
        )
      expect(await me()).toBe(200)

      const revoked = await run(['token', 'revoke', id], { cwd, env })
      expect(revoked.code).toBe(0)
      if (backend === 'postgres') {
        expect(revoked.stderr).toBe('')
        let status = await me()
        for (let i = 0; i < 60 && status !== 401; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50))
          status = await me()
        }
        expect(status).toBe(401)
      } else {
        expect(revoked.stderr).toBe(
          'keygate: note: running instances were not told directly; they stop accepting it within cache.ttlMs (60000 ms)\n',
        )
        expect(await me()).toBe(200)
      }
      server.child.kill('SIGTERM')
      expect((await server.exited).code).toBe(0)
    },
  )
})
