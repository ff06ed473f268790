import { describe, expect, it } from 'vitest'
import { createServer } from '../src/index.js'
import { openStore } from '../src/store/index.js'
import { createDatabase, forEachBackend, startHarness, useHarness } from './harness.js'

forEachBackend('GET /health and /ready', (backend) => {
  const h = useHarness(backend)

  it('GET /health answers 200 {"status":"ok"} without credentials and without versions', async () => {
    const response = await h().request('GET', '/health')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.text()).toBe('{"status":"ok"}')
    expect(response.headers.get('server')).toBeNull()
    expect(response.headers.get('x-powered-by')).toBeNull()
  })

  it('GET /health ignores a credential, even a malformed one (public routes evaluate none)', async () => {
    const response = await h().request('GET', '/health', {
      headers: { authorization: 'Bearer !!!' },
    })
    expect(response.status).toBe(200)
  })

  it('GET /ready answers 200 after checking the database', async () => {
    const response = await h().request('GET', '/ready')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('GET /ready answers 503 problem+json with Retry-After when the database is gone', async () => {
    const database = await createDatabase(backend)
    const store = await openStore({ url: database.url, schema: database.schema })
    await store.migrate()
    const harness = await startHarness(backend, {}, { store })
    try {
      await store.close()
      const response = await harness.request('GET', '/ready')
      expect(response.status).toBe(503)
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(response.headers.get('retry-after')).toBe('5')
      const body = await response.json()
      expect(body).toMatchObject({
        status: 503,
        code: 'auth_unavailable',
        detail: 'The database is not reachable',
      })
      // The liveness probe does not depend on the database.
      expect((await harness.request('GET', '/health')).status).toBe(200)
    } finally {
      await harness.close()
      await database.drop()
    }
  })
})

describe('createServer()', () => {
  it('refuses a bad configuration before opening anything, naming the key', async () => {
    await expect(createServer({ tokens: { maxDays: 400 } })).rejects.toThrow(
      'keygate config: tokens.maxDays must be an integer between 1 and 365',
    )
    await expect(createServer({ nope: 1 } as never)).rejects.toThrow(
      'keygate config: nope is not a known option',
    )
  })
})
