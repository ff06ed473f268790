/**
 * `npm run bench -- revocation [--rounds 50] [--bus redis|postgres|all]`: how long a revocation
 * on instance A takes to reach instance B's verification cache (SPEC §5 promises ≤ 1 s; see
 * docs/scaling.md). Two token services on one fresh PostgreSQL schema (and one Redis prefix for
 * the Redis bus), in this process. Each round: create a token on A, warm B's cache with it,
 * `DELETE` it on A, and time
 *
 * - delivered: from sending the DELETE to B's bus delivering the message (B's cache is dropped
 *   before any other listener runs);
 * - refused: from sending the DELETE to B answering the token's next request with 401.
 *
 * Both include A's handling of the DELETE (a database write) and the bus hop. Both instances
 * share one event loop here; across machines add one network round trip.
 *
 * Environment: KEYGATE_TEST_PG_URL (default postgres://root@127.0.0.1:5432/test),
 * KEYGATE_TEST_REDIS_URL (default redis://127.0.0.1:6379).
 */
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import pg from 'pg'
import {
  createServer,
  createUser,
  type KeygateServer,
  type Revocation,
  type ServerConfigInput,
} from '@keygate/server'
import { machine, parseArgs, table } from './lib.js'

const PG_URL = process.env.KEYGATE_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test'
const REDIS_URL = process.env.KEYGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const PASSWORD = 'correct horse battery staple'

type Instance = { server: KeygateServer; url: string }

async function start(config: ServerConfigInput): Promise<Instance> {
  const server = await createServer({ port: 0, logLevel: 'silent', ...config })
  const url = await server.listen({ host: '127.0.0.1', port: 0 })
  return { server, url }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

async function measure(
  bus: 'redis' | 'postgres',
  rounds: number,
): Promise<{ delivered: number[]; refused: number[] }> {
  const schema = `kg_bench_${randomBytes(6).toString('hex')}`
  const prefix = `kgbench:${randomBytes(6).toString('hex')}:`
  const config: ServerConfigInput = {
    database: { url: PG_URL, schema },
    // A long cache: without the bus, B would accept the revoked token for 10 minutes.
    cache: { ttlMs: 600_000, maxEntries: 10_000 },
    rateLimits: {
      createToken: {
        perIp: { limit: 1_000_000, windowSeconds: 60 },
        perEmail: { limit: 1_000_000, windowSeconds: 60 },
      },
    },
    ...(bus === 'redis' ? { redis: { url: REDIS_URL, keyPrefix: prefix } } : {}),
  }
  const a = await start(config)
  const b = await start({ ...config, database: { ...config.database, migrate: false } })
  const busB = b.server.tokenService.revocations
  if (busB?.kind !== bus) throw new Error(`instance B runs ${busB?.kind ?? 'no'} bus, not ${bus}`)
  const delivered: number[] = []
  const refused: number[] = []
  try {
    await createUser({
      users: a.server.tokenService.store.users,
      email: 'bench@example.com',
      password: PASSWORD,
      role: 'user',
    })
    for (let round = 0; round < rounds; round++) {
      const created = await fetch(`${a.url}/v1/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: 'bench@example.com',
          password: PASSWORD,
          name: `round-${round}`,
          scopes: ['tokens:write'],
        }),
      })
      const { id, token } = (await created.json()) as { id: string; token: string }
      const me = () =>
        fetch(`${b.url}/v1/users/me`, { headers: { authorization: `Bearer ${token}` } })
      if ((await me()).status !== 200) throw new Error('B did not accept a fresh token')

      const arrival = new Promise<number>((resolve) => {
        const remove = busB.subscribe({
          revoked(revocation: Revocation) {
            if (revocation.kind !== 'token' || revocation.tokenId !== id) return
            remove()
            resolve(performance.now())
          },
        })
      })
      const t0 = performance.now()
      const revoked = await fetch(`${a.url}/v1/auth/tokens/current`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      })
      if (revoked.status !== 204) throw new Error(`DELETE answered ${revoked.status}`)
      delivered.push((await arrival) - t0)
      if ((await me()).status !== 401) throw new Error('B accepted a revoked token after delivery')
      refused.push(performance.now() - t0)
    }
  } finally {
    await b.server.close()
    await a.server.close()
    const client = new pg.Client({ connectionString: PG_URL })
    await client.connect()
    await client.query(`drop schema if exists ${client.escapeIdentifier(schema)} cascade`)
    await client.end()
    if (bus === 'redis') {
      const redis = new Redis(REDIS_URL)
      const keys = await redis.keys(`${prefix}*`)
      if (keys.length > 0) await redis.del(...keys)
      redis.disconnect()
    }
  }
  return { delivered, refused }
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv)
  const rounds = Number(args.rounds ?? 50)
  const which = args.bus ?? 'all'
  const buses = (which === 'all' ? ['postgres', 'redis'] : [which]) as ('redis' | 'postgres')[]
  const ms = (value: number) => value.toFixed(2)
  const rows = [['bus', 'measure', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms']]
  for (const bus of buses) {
    const { delivered, refused } = await measure(bus, rounds)
    for (const [name, values] of [
      ['delivered', delivered],
      ['refused', refused],
    ] as const) {
      rows.push([
        bus,
        name,
        ms(percentile(values, 50)),
        ms(percentile(values, 95)),
        ms(percentile(values, 99)),
        ms(Math.max(...values)),
      ])
    }
  }
  console.log(`revocation propagation, ${rounds} rounds per bus; ${machine()}\n`)
  console.log(table(rows))
}
