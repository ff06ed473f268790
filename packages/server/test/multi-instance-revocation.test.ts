/**
 * Revocation propagation (SPEC §5), black-box over HTTP: two token services on one database,
 * each with its own verification cache (TTL 10 minutes here, so only the bus can explain a
 * refusal). A revocation on A must be refused by B on the first request after B has received
 * the bus message — waited for as an event, never as a fixed time. docs/scaling.md gives the
 * bound and bench/revocation-latency.ts measures it.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServerConfigInput } from '../src/index.js'
import { connectRedis, createRedisClient } from '../src/rate-limit/redis-client.js'
import {
  createPostgresRevocationBus,
  createRedisRevocationBus,
  postgresRevocationChannel,
  type Revocation,
  type RevocationBus,
} from '../src/revocation/index.js'
import {
  forEachBackend,
  PG_URL,
  reopen,
  startHarness,
  type Backend,
  type Harness,
} from './harness.js'
import { startPeer, type Peer } from './peer.js'
import { deleteKeys, REDIS_URL, redisAvailable, testClient, testKeyPrefix } from './redis.js'
import { nextState } from './revocation-bus-contract.js'

const redisUp = await redisAvailable()

/** Resolves with the next revocation `bus` delivers (after the server's own listener ran). */
function nextRevocation(bus: RevocationBus | undefined): Promise<Revocation> {
  if (bus === undefined) throw new Error('this instance has no revocation bus')
  return new Promise((resolve) => {
    const remove = bus.subscribe({
      revoked(revocation) {
        remove()
        resolve(revocation)
      },
    })
  })
}

async function status(target: Harness | Peer, token: string): Promise<number> {
  return (await target.request('GET', '/v1/users/me', { token })).status
}

let counter = 0

function propagationSuite(
  backend: Backend,
  kind: 'redis' | 'postgres',
  extra: () => ServerConfigInput,
  cleanup: () => Promise<void>,
): void {
  let a: Harness
  let b: Peer
  let admin: string
  beforeAll(async () => {
    const config: ServerConfigInput = { ...extra(), cache: { ttlMs: 600_000, maxEntries: 1000 } }
    a = await startHarness(backend, config)
    b = await startPeer(a, config)
    admin = (await a.token(a.admin.email, { scopes: ['users:manage', 'tokens:manage'] })).token
  })
  afterAll(async () => {
    await b?.close()
    await a?.close()
    await cleanup()
  })

  async function warmToken(scopes: string[] = ['tokens:write']) {
    const email = `u${counter++}-${Date.now()}@example.com`
    const user = await a.user(email)
    const token = await a.token(email, { scopes })
    expect(await status(b, token.token)).toBe(200) // now in B's cache
    return { user, ...token }
  }

  it(`both instances run the ${kind} bus`, () => {
    expect(a.server.tokenService.revocations?.kind).toBe(kind)
    expect(b.server.tokenService.revocations?.kind).toBe(kind)
    expect(b.server.tokenService.revocations?.connected).toBe(true)
  })

  it('control: a revocation that bypasses the service is not seen through B’s warm cache', async () => {
    const { id, token } = await warmToken()
    const store = await reopen(a.database)
    try {
      await store.tokens.revoke(id, new Date())
    } finally {
      await store.close()
    }
    expect(await status(b, token)).toBe(200)
    expect(await status(a, token)).toBe(401) // A never cached it
  })

  it('DELETE /v1/auth/tokens/{id} on A: B refuses the token once it has the message', async () => {
    const { id, token } = await warmToken()
    const delivered = nextRevocation(b.server.tokenService.revocations)
    expect((await a.request('DELETE', `/v1/auth/tokens/${id}`, { token: admin })).status).toBe(204)
    expect(await delivered).toEqual({ kind: 'token', tokenId: id })
    const refused = await b.request('GET', '/v1/users/me', { token })
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({
      code: 'invalid_token',
      detail: 'The token has been revoked',
    })
  })

  it('DELETE /v1/auth/tokens/current on A: the same', async () => {
    const { id, token } = await warmToken()
    const delivered = nextRevocation(b.server.tokenService.revocations)
    expect((await a.request('DELETE', '/v1/auth/tokens/current', { token })).status).toBe(204)
    expect(await delivered).toEqual({ kind: 'token', tokenId: id })
    expect(await status(b, token)).toBe(401)
  })

  it('a rotation on A (no grace): B refuses the old secret and accepts the new one', async () => {
    const { id, token } = await warmToken()
    const delivered = nextRevocation(b.server.tokenService.revocations)
    const rotated = await a.request('POST', `/v1/auth/tokens/${id}/rotate`, {
      token,
      body: { grace_period_seconds: 0 },
    })
    expect(rotated.status).toBe(200)
    const fresh = ((await rotated.json()) as { token: string }).token
    expect(await delivered).toEqual({ kind: 'token', tokenId: id })
    expect(await status(b, token)).toBe(401)
    expect(await status(b, fresh)).toBe(200)
  })

  it('a user disabled on A: B refuses every token of theirs', async () => {
    const first = await warmToken()
    const email = (await a.store.users.findById(first.user.id))!.email
    const second = await a.token(email, { scopes: ['tokens:read'] })
    expect(await status(b, second.token)).toBe(200)
    const delivered = nextRevocation(b.server.tokenService.revocations)
    const response = await a.request('PATCH', `/v1/users/${first.user.id}`, {
      token: admin,
      body: { disabled: true },
    })
    expect(response.status).toBe(200)
    expect(await delivered).toEqual({ kind: 'user', userId: first.user.id })
    expect(await status(b, first.token)).toBe(401)
    expect(await status(b, second.token)).toBe(401)
  })

  it('messages carry public ids only: nothing secret crosses the bus', async () => {
    const { id, token } = await warmToken()
    const tap = await rawTap(kind, a)
    try {
      const seen = tap.next()
      expect((await a.request('DELETE', `/v1/auth/tokens/${id}`, { token: admin })).status).toBe(
        204,
      )
      const raw = await seen
      expect(JSON.parse(raw)).toEqual({
        v: 1,
        origin: expect.stringMatching(/^[0-9a-f]{32}$/),
        kind: 'token',
        id,
      })
      expect(raw).not.toContain(token.slice(token.lastIndexOf('_') + 1, -6))
    } finally {
      await tap.close()
    }
  })

  it('an instance whose bus reconnects drops its cache (messages may have been missed)', async () => {
    // A third instance with a bus of its own, named so that only its connection is cut.
    const name = `kgtest-peer-${process.pid}-${counter++}`
    let publisher: ReturnType<typeof createRedisClient> | undefined
    let bus: RevocationBus
    if (kind === 'redis') {
      publisher = createRedisClient({ url: REDIS_URL })
      await connectRedis(publisher)
      const prefix = a.server.tokenService.config.redis.keyPrefix
      bus = createRedisRevocationBus({
        client: publisher,
        channel: `${prefix}revocations`,
        connectionName: name,
      })
    } else {
      bus = createPostgresRevocationBus({
        url: a.database.url,
        schema: a.database.schema,
        applicationName: name,
      })
    }
    const c = await startPeerWithBus(a, extra(), bus)
    try {
      const { id, token } = await warmToken()
      expect(await status(c, token)).toBe(200)
      const store = await reopen(a.database)
      try {
        await store.tokens.revoke(id, new Date()) // behind the service's back: no message
      } finally {
        await store.close()
      }
      expect(await status(c, token)).toBe(200)
      const up = nextState(bus, 'disconnected').then(() => nextState(bus, 'connected'))
      await cut(kind, name)
      await up
      expect(await status(c, token)).toBe(401)
    } finally {
      await c.close()
      publisher?.disconnect()
    }
  })
}

async function startPeerWithBus(
  h: Harness,
  config: ServerConfigInput,
  bus: RevocationBus,
): Promise<Peer> {
  return startPeer(h, { ...config, cache: { ttlMs: 600_000, maxEntries: 1000 } }, { bus })
}

async function cut(kind: 'redis' | 'postgres', name: string): Promise<void> {
  if (kind === 'redis') {
    const admin = testClient()
    try {
      const line = ((await admin.client('LIST')) as string)
        .split('\n')
        .find((l) => l.includes(` name=${name} `))
      const id = line?.match(/^id=(\d+)/)?.[1]
      if (id === undefined) throw new Error(`no Redis connection named ${name}`)
      await admin.client('KILL', 'ID', id)
    } finally {
      admin.disconnect()
    }
    return
  }
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    const { rowCount } = await client.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
      [name],
    )
    if (rowCount !== 1) throw new Error(`no PostgreSQL connection named ${name}`)
  } finally {
    await client.end()
  }
}

/** Listens on the deployment's revocation channel as an outsider, to see the raw messages. */
async function rawTap(
  kind: 'redis' | 'postgres',
  h: Harness,
): Promise<{ next(): Promise<string>; close(): Promise<void> }> {
  const waiting: ((raw: string) => void)[] = []
  const push = (raw: string) => waiting.shift()?.(raw)
  const next = () => new Promise<string>((resolve) => waiting.push(resolve))
  if (kind === 'redis') {
    const sub = testClient()
    await sub.subscribe(`${h.server.tokenService.config.redis.keyPrefix}revocations`)
    sub.on('message', (_channel: string, raw: string) => push(raw))
    return { next, close: () => Promise.resolve(sub.disconnect()) }
  }
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  client.on('notification', (message) => push(message.payload ?? ''))
  await client.query(
    `listen ${client.escapeIdentifier(postgresRevocationChannel(h.database.schema))}`,
  )
  return { next, close: () => client.end() }
}

forEachBackend('revocation propagation over PostgreSQL LISTEN/NOTIFY (no Redis)', (backend) => {
  if (backend === 'sqlite') {
    it('SQLite is one instance: no bus, revocation is in-process', async () => {
      const h = await startHarness('sqlite')
      try {
        expect(h.server.tokenService.revocations).toBeUndefined()
      } finally {
        await h.close()
      }
    })
    return
  }
  propagationSuite(
    backend,
    'postgres',
    () => ({}),
    () => Promise.resolve(),
  )
})

describe.runIf(redisUp)('revocation propagation over Redis pub/sub', () => {
  forEachBackend('two instances, one Redis prefix', (backend) => {
    const prefix = testKeyPrefix()
    propagationSuite(
      backend,
      'redis',
      () => ({ redis: { url: REDIS_URL, keyPrefix: prefix } }),
      async () => {
        const admin = testClient()
        await deleteKeys(admin, prefix)
        admin.disconnect()
      },
    )
  })
})
