import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createServer, type KeygateServer } from '../create-server.js'
import { openStore } from '../store/open-store.js'
import type { Store } from '../store/types.js'
import { createDatabase, forEachBackend, PASSWORD, type TestDatabase } from '../../test/harness.js'
import { issueSetupCode } from './issue-setup-code.js'
import { setupCodePath } from './setup-file.js'

forEachBackend('POST /v1/setup', (backend) => {
  let database: TestDatabase
  let server: KeygateServer
  let url: string
  let file: string
  const logs: string[] = []

  beforeAll(async () => {
    database = await createDatabase(backend)
    server = await createServer(
      {
        port: 0,
        logLevel: 'info',
        // The concurrent attempts come from ten client addresses, each with its own limit.
        trustProxy: ['127.0.0.1'],
        database: { url: database.url, ...(database.schema ? { schema: database.schema } : {}) },
      },
      { logStream: { write: (line) => logs.push(line) } },
    )
    url = await server.listen({ host: '127.0.0.1', port: 0 })
    // SQLite: the file the route removes, next to the database. PostgreSQL's would be ./data/
    // under the working directory (the repository here): its tests write to a temp dir instead.
    file =
      backend === 'sqlite'
        ? setupCodePath(database.url)
        : join(mkdtempSync(join(tmpdir(), 'keygate-setup-pg-')), 'setup-code')
  })

  afterAll(async () => {
    await server.close()
    await database.drop()
  })

  function setup(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${url}/v1/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })
  }

  const admin = (code: string, email = 'root@example.com') => ({ code, email, password: PASSWORD })

  it('answers 404 before keygate serve issued a code', async () => {
    const response = await setup(admin('AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA'))
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ code: 'not_found', status: 404 })
  })

  it('refuses a wrong or expired code (400 /code), and an invalid body before looking at the code', async () => {
    const { store } = server.tokenService
    const expired = await issueSetupCode({
      store,
      file,
      now: new Date(Date.now() - 2 * 3600_000),
    })
    const stale = await setup(admin(expired!.code))
    expect(stale.status).toBe(400)
    expect(await stale.json()).toMatchObject({
      code: 'validation_failed',
      detail: 'The setup code is not valid or has expired',
      errors: [{ path: '/code', message: 'is not valid or has expired' }],
    })

    const issued = await issueSetupCode({ store, file })
    const wrong = await setup(admin(expired!.code))
    expect(wrong.status).toBe(400)
    expect(wrong.headers.get('ratelimit-policy')).toBe('"setup";q=10;w=900')

    const invalid = await setup({ code: issued!.code, email: 'root@example.com' })
    expect(invalid.status).toBe(400)
    expect(await invalid.json()).toMatchObject({ errors: [{ path: '/password' }] })
    const extra = await setup({ ...admin(issued!.code), role: 'user' })
    expect(extra.status).toBe(400)
    expect(await server.tokenService.store.users.count()).toBe(0)
  })

  it('a bad email or password does not use up the code', async () => {
    const issued = await issueSetupCode({ store: server.tokenService.store, file })
    const bad = await setup({ code: issued!.code, email: 'not-an-email', password: PASSWORD })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ errors: [{ path: '/email' }] })
    expect((await server.tokenService.store.setup.get())?.claimedAt).toBeNull()
  })

  it('of ten concurrent attempts with the right code exactly one creates an admin; then 404 for good', async () => {
    const { store } = server.tokenService
    const issued = await issueSetupCode({ store, file })
    expect(existsSync(file)).toBe(true)
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        setup(admin(issued!.code, `admin${i}@example.com`), { 'x-forwarded-for': `10.0.0.${i}` }),
      ),
    )
    const statuses = responses.map((r) => r.status).sort()
    expect(statuses).toEqual([201, ...Array(9).fill(404)])
    const created = responses.find((r) => r.status === 201)!
    expect(await created.json()).toMatchObject({ role: 'admin', disabled: false })
    expect(await store.users.count()).toBe(1)
    expect(await store.setup.get()).toBeUndefined()
    // Removed by the instance that completed the setup (it knows the SQLite file's directory).
    if (backend === 'sqlite') expect(existsSync(file)).toBe(false)

    const after = await setup(admin(issued!.code, 'late@example.com'))
    expect(after.status).toBe(404)
    expect(after.headers.get('content-type')).toContain('application/problem+json')
    // A new start with users issues nothing.
    expect(await issueSetupCode({ store, file })).toBeUndefined()

    const { items } = await store.audit.list({ action: 'setup.completed' })
    expect(items.filter((e) => e.action === 'setup.completed')).toMatchObject([
      { actor: { kind: 'system', id: null }, userId: (await store.users.list()).items[0]!.id },
    ])

    const joined = logs.join('')
    expect(joined).toContain('first admin created with the setup code')
    expect(joined).not.toContain(issued!.code)
    expect(joined).not.toContain(issued!.code.replaceAll('-', ''))
  })
})

forEachBackend('POST /v1/setup rate limit', (backend) => {
  let database: TestDatabase
  let server: KeygateServer
  let url: string

  beforeAll(async () => {
    database = await createDatabase(backend)
    server = await createServer({
      port: 0,
      logLevel: 'silent',
      database: { url: database.url, ...(database.schema ? { schema: database.schema } : {}) },
    })
    url = await server.listen({ host: '127.0.0.1', port: 0 })
  })

  afterAll(async () => {
    await server.close()
    await database.drop()
  })

  it('refuses the 11th attempt from one client for 15 minutes, the right code included', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keygate-setup-rl-')), 'setup-code')
    const issued = await issueSetupCode({ store: server.tokenService.store, file })
    const attempt = (code: string) =>
      fetch(`${url}/v1/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, email: 'root@example.com', password: PASSWORD }),
      })
    for (let i = 0; i < 10; i++) {
      expect((await attempt('AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA')).status).toBe(400)
    }
    const limited = await attempt(issued!.code)
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(await limited.json()).toMatchObject({ code: 'rate_limited' })
    expect(await server.tokenService.store.users.count()).toBe(0)
  })
})

forEachBackend('the setup store', (backend) => {
  let database: TestDatabase
  let store: Store

  beforeAll(async () => {
    database = await createDatabase(backend)
    store = await openStore({
      url: database.url,
      ...(database.schema ? { schema: database.schema } : {}),
    })
    await store.migrate()
  })

  afterAll(async () => {
    await store.close()
    await database.drop()
  })

  it('claim(): exactly one of twenty concurrent callers wins; release() and clear() work', async () => {
    const now = new Date()
    await store.setup.put({
      digest: 'a'.repeat(64),
      createdAt: now,
      expiresAt: new Date(now.getTime() + 60_000),
    })
    const wins = await Promise.all(
      Array.from({ length: 20 }, () => store.setup.claim('a'.repeat(64), now)),
    )
    expect(wins.filter(Boolean)).toHaveLength(1)
    expect((await store.setup.get())?.claimedAt).toBeInstanceOf(Date)

    await store.setup.release('a'.repeat(64))
    expect(await store.setup.claim('b'.repeat(64), now)).toBe(false)
    expect(await store.setup.claim('a'.repeat(64), new Date(now.getTime() + 61_000))).toBe(false)
    expect(await store.setup.claim('a'.repeat(64), now)).toBe(true)

    // A new start replaces the code (and its claim); clear() removes it.
    await store.setup.put({
      digest: 'c'.repeat(64),
      createdAt: now,
      expiresAt: new Date(now.getTime() + 60_000),
    })
    expect(await store.setup.get()).toMatchObject({ digest: 'c'.repeat(64), claimedAt: null })
    await store.setup.clear()
    expect(await store.setup.get()).toBeUndefined()
  })

  it('issueSetupCode() still issues a code when the file cannot be written, and says so', async () => {
    const issued = await issueSetupCode({ store, file: '/dev/null/setup-code' })
    expect(issued?.file).toBeUndefined()
    expect(issued?.fileError).toBeDefined()
    expect(await store.setup.get()).toMatchObject({ claimedAt: null })
    await store.setup.clear()
  })
})
