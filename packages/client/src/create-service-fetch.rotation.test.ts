import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { staticSecrets } from '@keygate/core'
import { file } from '@keygate/core/fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  mutableSource,
  startProtectedServer,
  startRecordingServer,
  type ProtectedServer,
} from '../test/protected-server.js'
import { createServiceFetch } from './index.js'

const secret = () => randomBytes(32).toString('base64url')
// The client's own cache never expires during a test: only a 401 makes it look again.
const LONG = { ttlMs: 3_600_000 }

describe('createServiceFetch(): rotation against a keygate-protected server', () => {
  it('old → [old, new] → [new]: one 401, one refresh, one retry, success', async () => {
    const OLD = secret()
    const NEW = secret()
    const server = mutableSource([OLD], 'server')
    const client = mutableSource([OLD], 'client')
    const api = await startProtectedServer({ source: server.source })
    try {
      const call = createServiceFetch({ source: client.source, cache: LONG, origins: [api.origin] })
      expect((await call(`${api.url}/echo`)).status).toBe(200)

      // The rotation begins: the server accepts both; the client's source already has the new one.
      server.set([OLD, NEW])
      client.set([NEW])
      expect((await call(`${api.url}/echo`)).status).toBe(200)
      expect(api.seen.at(-1)?.authorization).toBe(`Bearer ${OLD}`)
      expect(client.loads).toBe(1)

      // The old one is retired before the client looked again.
      server.set([NEW])
      const before = api.seen.length
      const res = await call(`${api.url}/echo`)
      expect(res.status).toBe(200)
      expect(api.seen.slice(before).map((s) => s.authorization)).toEqual([
        `Bearer ${OLD}`,
        `Bearer ${NEW}`,
      ])
      expect(client.loads).toBe(2)

      // From now on the new secret goes first time.
      expect((await call(`${api.url}/echo`)).status).toBe(200)
      expect(api.seen.slice(before + 2).map((s) => s.authorization)).toEqual([`Bearer ${NEW}`])
    } finally {
      await api.close()
    }
  })

  it('a second 401 is returned to the caller: no loop', async () => {
    const server = mutableSource([secret()])
    const client = mutableSource([secret()])
    const api = await startProtectedServer({ source: server.source })
    try {
      const call = createServiceFetch({
        source: client.source,
        cache: LONG,
        origins: [api.origin],
        minRefreshIntervalMs: 0, // two reloads in a row: this is about the loop, not the throttle
      })
      await call(`${api.url}/echo`).then((r) => r.body?.cancel())
      client.set([secret()])
      const before = api.seen.length
      const res = await call(`${api.url}/echo`)
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
      expect(((await res.json()) as { code: string }).code).toBe('invalid_token')
      expect(api.seen.length - before).toBe(2)
    } finally {
      await api.close()
    }
  })

  it('a server that keeps refusing: 50 requests reload the source once, not 50 times', async () => {
    const server = mutableSource([secret()])
    const client = mutableSource([secret()])
    const api = await startProtectedServer({ source: server.source })
    try {
      const call = createServiceFetch({ source: client.source, cache: LONG, origins: [api.origin] })
      for (let i = 0; i < 50; i++) expect((await call(`${api.url}/echo`)).status).toBe(401)
      // The first load, and one reload after the first 401; then the 401s come straight back.
      expect(client.loads).toBe(2)
      expect(api.seen).toHaveLength(50)
      // minRefreshIntervalMs: 0 restores a reload on every 401.
      const eager = createServiceFetch({
        source: client.source,
        cache: LONG,
        origins: [api.origin],
        minRefreshIntervalMs: 0,
      })
      for (let i = 0; i < 3; i++) await eager(`${api.url}/echo`)
      expect(client.loads).toBe(2 + 1 + 3)
    } finally {
      await api.close()
    }
  })

  it('no retry when the refreshed secret is the one just refused', async () => {
    const server = mutableSource([secret()])
    const client = mutableSource([secret()])
    const api = await startProtectedServer({ source: server.source })
    try {
      const call = createServiceFetch({ source: client.source, cache: LONG, origins: [api.origin] })
      const res = await call(`${api.url}/echo`)
      expect(res.status).toBe(401)
      expect(api.seen).toHaveLength(1)
      expect(client.loads).toBe(2)
    } finally {
      await api.close()
    }
  })

  it('no retry on a 401 that is not invalid_token (no credential expected there), nor on 403/503', async () => {
    const answers: { status: number; headers?: Record<string, string>; body?: string }[] = [
      { status: 401, headers: { 'www-authenticate': 'Bearer realm="api"' } },
      {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="api", error="invalid_request"' },
      },
      {
        status: 403,
        headers: { 'www-authenticate': 'Bearer realm="api", error="insufficient_scope"' },
      },
      {
        status: 503,
        headers: { 'content-type': 'application/problem+json' },
        body: '{"code":"auth_unavailable"}',
      },
    ]
    let next = 0
    const upstream = await startRecordingServer(() => answers[next++]!)
    try {
      const client = mutableSource([secret()])
      const call = createServiceFetch({
        source: client.source,
        cache: LONG,
        origins: [upstream.origin],
      })
      for (const answer of answers) expect((await call(upstream.url)).status).toBe(answer.status)
      expect(upstream.seen).toHaveLength(answers.length)
      expect(client.loads).toBe(1)
    } finally {
      await upstream.close()
    }
  })

  it('recognises invalid_token from the problem body when there is no challenge', async () => {
    const OLD = secret()
    const NEW = secret()
    const upstream = await startRecordingServer((req) =>
      req.headers.authorization === `Bearer ${NEW}`
        ? { status: 200, body: 'ok' }
        : {
            status: 401,
            headers: { 'content-type': 'application/problem+json' },
            body: '{"status":401,"code":"invalid_token"}',
          },
    )
    try {
      const client = mutableSource([OLD])
      const call = createServiceFetch({
        source: client.source,
        cache: LONG,
        origins: [upstream.origin],
        minRefreshIntervalMs: 0, // the first call's 401 reloads too
      })
      await call(upstream.url).then((r) => r.body?.cancel())
      client.set([NEW])
      const res = await call(upstream.url)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe('ok')
    } finally {
      await upstream.close()
    }
  })

  it('retryOnInvalidToken: false returns the first 401', async () => {
    const api = await startProtectedServer({ source: staticSecrets([secret()]) })
    try {
      const client = mutableSource([secret()])
      const call = createServiceFetch({
        source: client.source,
        origins: [api.origin],
        retryOnInvalidToken: false,
      })
      expect((await call(`${api.url}/echo`)).status).toBe(401)
      expect(client.loads).toBe(1)
    } finally {
      await api.close()
    }
  })

  it('in custom-header mode too', async () => {
    const OLD = secret()
    const NEW = secret()
    const server = mutableSource([NEW])
    const client = mutableSource([OLD])
    const api = await startProtectedServer({ source: server.source, header: 'x-service-token' })
    try {
      const call = createServiceFetch({
        source: client.source,
        cache: LONG,
        header: 'x-service-token',
        origins: [api.origin],
      })
      await call.cache.get()
      client.set([NEW])
      const res = await call(`${api.url}/echo`)
      expect(res.status).toBe(200)
      expect(api.seen.map((s) => s.serviceToken)).toEqual([OLD, NEW])
    } finally {
      await api.close()
    }
  })

  it('many concurrent calls refused at once all recover', async () => {
    const OLD = secret()
    const NEW = secret()
    const server = mutableSource([OLD])
    const client = mutableSource([OLD])
    const api = await startProtectedServer({ source: server.source })
    try {
      const call = createServiceFetch({ source: client.source, cache: LONG, origins: [api.origin] })
      await call(`${api.url}/echo`).then((r) => r.body?.cancel())
      server.set([NEW])
      client.set([NEW])
      const before = api.seen.length
      const statuses = await Promise.all(
        Array.from({ length: 50 }, () =>
          call(`${api.url}/echo`).then(async (r) => (await r.body?.cancel(), r.status)),
        ),
      )
      expect(statuses.every((s) => s === 200)).toBe(true)
      const attempts = api.seen.slice(before).map((s) => s.authorization)
      expect(attempts.filter((a) => a === `Bearer ${OLD}`)).toHaveLength(50)
      expect(attempts.filter((a) => a === `Bearer ${NEW}`)).toHaveLength(50)
      // Refreshes are single flight and skipped once the cache holds a new secret: a couple of
      // loads, never one per refused call.
      expect(client.loads).toBeLessThanOrEqual(5)
    } finally {
      await api.close()
    }
  })
})

describe('createServiceFetch(): rotation through a real secrets file', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keygate-client-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('the server file goes old → old,new → new while the client file is switched', async () => {
    const OLD = secret()
    const NEW = secret()
    const serverFile = join(dir, 'server-secrets')
    const clientFile = join(dir, 'client-secret')
    await writeFile(serverFile, `${OLD}\n`)
    await writeFile(clientFile, `${OLD}\n`)
    const api = await startProtectedServer({ source: file(serverFile, { watch: false }) })
    try {
      const call = createServiceFetch({
        source: file(clientFile, { watch: false }),
        cache: LONG,
        origins: [api.origin],
      })
      expect((await call(`${api.url}/echo`)).status).toBe(200)
      await writeFile(serverFile, `${OLD}\n${NEW}\n`)
      await writeFile(clientFile, `${NEW}\n`)
      expect((await call(`${api.url}/echo`)).status).toBe(200)
      await writeFile(serverFile, `${NEW}\n`)
      const before = api.seen.length
      expect((await call(`${api.url}/echo`)).status).toBe(200)
      expect(api.seen.slice(before).map((s) => s.authorization)).toEqual([
        `Bearer ${OLD}`,
        `Bearer ${NEW}`,
      ])
    } finally {
      await api.close()
    }
  })
})

describe('createServiceFetch(): replaying the body on the retry', () => {
  const SERVER = secret()
  let api: ProtectedServer
  beforeAll(async () => {
    api = await startProtectedServer({ source: staticSecrets([SERVER]) })
  })
  afterAll(async () => {
    await api.close()
  })

  // A client whose cached secret is refused once, and whose source then has the right one.
  async function rotatedClient() {
    const client = mutableSource([secret()])
    const call = createServiceFetch({ source: client.source, cache: LONG, origins: [api.origin] })
    await call.cache.get()
    client.set([SERVER])
    return call
  }

  const bodies: [string, () => BodyInit, string][] = [
    ['a string', () => 'plain text body', 'plain text body'],
    ['a Uint8Array', () => new TextEncoder().encode('bytes body'), 'bytes body'],
    ['an ArrayBuffer', () => new TextEncoder().encode('buffer body').buffer, 'buffer body'],
    ['URLSearchParams', () => new URLSearchParams({ a: '1', b: 'two' }), 'a=1&b=two'],
    ['a Blob', () => new Blob(['blob body']), 'blob body'],
  ]
  for (const [name, make, expected] of bodies) {
    it(`resends ${name}`, async () => {
      const call = await rotatedClient()
      const before = api.seen.length
      const res = await call(`${api.url}/echo`, { method: 'POST', body: make() })
      expect(res.status).toBe(200)
      const attempts = api.seen.slice(before)
      expect(attempts).toHaveLength(2)
      expect(attempts.map((a) => a.body)).toEqual([expected, expected])
    })
  }

  it('resends a body-less Request', async () => {
    const call = await rotatedClient()
    const before = api.seen.length
    expect((await call(new Request(`${api.url}/echo`))).status).toBe(200)
    expect(api.seen.length - before).toBe(2)
  })

  it('never retries a stream body: the 401 is returned', async () => {
    const call = await rotatedClient()
    const before = api.seen.length
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'))
        controller.close()
      },
    })
    const res = await call(`${api.url}/echo`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(401)
    expect(api.seen.slice(before).map((a) => a.body)).toEqual(['streamed'])
  })

  it('never retries a Request with a body', async () => {
    const call = await rotatedClient()
    const before = api.seen.length
    const res = await call(new Request(`${api.url}/echo`, { method: 'POST', body: 'in a request' }))
    expect(res.status).toBe(401)
    expect(api.seen.length - before).toBe(1)
  })
})
