/**
 * Redis stops and returns, on purpose, under two instances (docs/scaling.md, "When Redis is
 * down"). The Redis here is a `redis-server` child process of this test on a port of its own —
 * never the shared one every suite on the machine uses — killed and restarted by the test.
 *
 * Pinned: while Redis is down, logins keep working and stay limited per instance (each counts
 * from zero), `/ready` answers 503 naming Redis, no request waits on the dead Redis, a revocation
 * on one instance still reaches the other within the bound (caches dropped every 500 ms); when it
 * returns, `/ready` is 200 again, the limit is shared again and revocations travel on the bus.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { connect, createServer as createNetServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from './harness.js'
import { startPeer, type Peer } from './peer.js'

type OwnRedis = { port: number; start(): Promise<void>; stop(): Promise<void> }

async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.setTimeout(500, () => socket.destroy())
    socket.on('error', () => resolve(false))
    socket.on('close', () => resolve(false))
    socket.on('data', (data: Buffer) => {
      resolve(data.toString().startsWith('+PONG'))
      socket.destroy()
    })
    socket.write('PING\r\n')
  })
}

/** A redis-server of this test's own, on a free loopback port, without persistence. */
async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  return {
    port,
    async start() {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      )
      const deadline = Date.now() + 10_000
      while (!(await pong(port))) {
        if (Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    async stop() {
      const running = child
      if (running === undefined || running.exitCode !== null) return
      const exited = new Promise((resolve) => running.once('exit', resolve))
      running.kill('SIGKILL')
      await exited
    },
  }
}

async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

function attempt(target: Harness | Peer, email: string): Promise<Response> {
  return target.request('POST', '/v1/auth/tokens', {
    body: { email, password: 'wrong password', name: `n${randomInt(1e9)}` },
  })
}

async function statuses(target: Harness | Peer, email: string, count: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < count; i++) out.push((await attempt(target, email)).status)
  return out
}

describe('faults: Redis stops and returns (a redis-server of the test’s own)', () => {
  let redis: OwnRedis
  let a: Harness
  let b: Peer
  beforeAll(async () => {
    redis = await ownRedis()
    await redis.start()
    const config = {
      redis: { url: `redis://127.0.0.1:${redis.port}`, keyPrefix: 'kgfault:' },
      // A long cache: a revocation can only reach the other instance through the bus or the
      // outage rule (caches dropped every 500 ms), never by the entry expiring.
      cache: { ttlMs: 60_000, maxEntries: 1000 },
      rateLimits: {
        createToken: {
          perIp: { limit: 10_000, windowSeconds: 900 },
          perEmail: { limit: 3, windowSeconds: 900 },
        },
      },
    }
    a = await startHarness('sqlite', config)
    b = await startPeer(a, config)
  }, 60_000)
  afterAll(async () => {
    await b?.close()
    await a?.close()
    await redis?.stop()
  })

  it('down: per-instance limits, /ready 503, revocations within the bound; back: shared again', async () => {
    await a.user('victim@example.com')
    await a.user('owner@example.com')
    const first = await a.token('owner@example.com', { scopes: ['tokens:read'] })
    const second = await a.token('owner@example.com', { scopes: ['tokens:read'] })
    for (const target of [a, b]) {
      for (const t of [first, second]) {
        expect((await target.request('GET', '/v1/auth/tokens', { token: t.token })).status).toBe(
          200,
        )
      }
    }

    // Up: one limit for both instances.
    expect([
      ...(await statuses(a, 'victim@example.com', 2)),
      ...(await statuses(b, 'victim@example.com', 2)),
    ]).toEqual([401, 401, 401, 429])

    await redis.stop()
    const stoppedAt = Date.now()

    // /ready says Redis is gone, on both.
    for (const target of [a, b]) {
      await until(async () => (await target.request('GET', '/ready')).status === 503, '/ready 503')
      const ready = await target.request('GET', '/ready')
      expect(await ready.json()).toMatchObject({
        code: 'auth_unavailable',
        detail: 'Redis is not reachable',
      })
    }

    // Logins keep working, limited per instance, each counting from zero; nobody waits on Redis.
    const started = Date.now()
    expect(await statuses(a, 'down@example.com', 4)).toEqual([401, 401, 401, 429])
    expect(await statuses(b, 'down@example.com', 4)).toEqual([401, 401, 401, 429])
    console.log(`8 logins with Redis down took ${Date.now() - started} ms in all`)
    expect(a.logs.join('\n')).toContain('rate limits fall back to this instance (not shared)')

    // A revocation on a reaches b although the bus is down: b drops its cache every 500 ms.
    expect(
      (await a.request('DELETE', '/v1/auth/tokens/current', { token: first.token })).status,
    ).toBe(204)
    const refusedIn = await until(
      async () =>
        (await b.request('GET', '/v1/auth/tokens', { token: first.token })).status === 401,
      'b to refuse the revoked token',
    )
    console.log(`revocation reached the other instance ${refusedIn} ms after it, with Redis down`)
    expect(refusedIn).toBeLessThan(2000)
    // The other token still works on both: an outage is not a reason to refuse live tokens.
    for (const target of [a, b]) {
      expect((await target.request('GET', '/v1/auth/tokens', { token: second.token })).status).toBe(
        200,
      )
    }

    // Back.
    await redis.start()
    const back = await until(
      async () =>
        (await a.request('GET', '/ready')).status === 200 &&
        (await b.request('GET', '/ready')).status === 200,
      '/ready 200 on both',
    )
    console.log(
      `Redis down for ${Date.now() - stoppedAt} ms; /ready 200 on both ${back} ms after it returned`,
    )
    // The limit is shared again (attempts counted in memory during the outage are not carried over).
    await until(async () => {
      const email = `back${randomInt(1e9)}@example.com`
      const seen = [...(await statuses(a, email, 2)), ...(await statuses(b, email, 2))]
      return seen.join() === '401,401,401,429'
    }, 'the shared limit to apply again')
    // And revocations travel on the bus again: b refuses at once, far inside its 60 s cache.
    expect(
      (await a.request('DELETE', '/v1/auth/tokens/current', { token: second.token })).status,
    ).toBe(204)
    const viaBus = await until(
      async () =>
        (await b.request('GET', '/v1/auth/tokens', { token: second.token })).status === 401,
      'b to refuse the second revoked token',
    )
    console.log(`with Redis back, a revocation reached the other instance in ${viaBus} ms`)
    expect(viaBus).toBeLessThan(1000)
  }, 90_000)
})
