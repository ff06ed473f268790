/**
 * `npm run bench -- server`: the token service, on SQLite and on PostgreSQL, in one run.
 *
 * Over HTTP (autocannon on loopback, the server in its own process), interleaved round after
 * round, medians kept; every request carries the same `Authorization` header:
 *   - `GET /health`              unauthenticated baseline
 *   - `GET /bench/protected`     the same handler behind an API token (verification cache warm)
 *   - `GET /v1/users/me`         a real route: API token + one database read
 *   - `GET /bench/protected`     with the verification cache off (every request asks the store)
 * In process: the latency of one verification that misses the cache (digest + store lookup).
 *
 * Options: --duration <s> (default 3) --rounds <n> (default 6) --connections <n> (default 50)
 *          --backends sqlite,postgres --misses <n> (default 2000)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { apiTokens, digestAPIToken, generateAPIToken, type Strategy } from '@keygate/core'
import { createAPITokenVerifier, openStore } from '@keygate/server'
import pg from 'pg'
import {
  machine,
  measure,
  median,
  parseArgs,
  startServer,
  stopServer,
  table,
  type Measurement,
} from './lib.js'
import { BENCH_EMAIL, BENCH_PASSWORD } from './servers/token-service-common.js'

export type ServerBenchOptions = {
  duration?: number
  rounds?: number
  connections?: number
  backends?: readonly ('sqlite' | 'postgres')[]
  /** Cache-miss verifications timed in process. */
  misses?: number
  pgUrl?: string
}

type Case = 'health' | 'protected' | 'me' | 'protected-nocache'
export type ServerBenchRow = {
  backend: string
  case: Case
  rps: number
  p50: number
  p99: number
}
export type ServerBenchResult = {
  machine: string
  rows: ServerBenchRow[]
  /** Protected (cache warm) req/s ÷ /health req/s, per backend: median of per-round ratios. Target ≥ 0.85. */
  ratio: Record<string, number>
  /** One verification missing the cache, in ms, per backend. */
  miss: Record<string, { p50: number; p99: number; mean: number }>
}

const CASES: Record<Case, string> = {
  health: 'GET /health (no auth)',
  protected: 'GET /bench/protected (API token, cache warm)',
  me: 'GET /v1/users/me (API token + DB read)',
  'protected-nocache': 'GET /bench/protected (API token, cache off)',
}

async function issueToken(url: string): Promise<string> {
  const response = await fetch(`${url}/v1/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: BENCH_EMAIL,
      password: BENCH_PASSWORD,
      name: `bench-${Date.now()}`,
      scopes: ['tokens:read'],
    }),
  })
  if (response.status !== 201)
    throw new Error(`token creation failed: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { token: string }).token
}

async function pgReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** Times `misses` verifications with no cache: parse, digest, one store lookup, checks. */
async function measureMiss(backend: 'sqlite' | 'postgres', misses: number, pgUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-bench-miss-'))
  const schema = `kg_bench_miss_${Math.random().toString(36).slice(2, 10)}`
  const store = await openStore(
    backend === 'sqlite' ? { url: `sqlite:${join(dir, 'keygate.db')}` } : { url: pgUrl, schema },
  )
  try {
    await store.migrate()
    const user = await store.users.create({
      email: 'miss@example.com',
      passwordHash: null,
      role: 'user',
    })
    const { token, hint } = generateAPIToken({ prefix: 'kg' })
    await store.tokens.create({
      userId: user.id,
      name: 'miss',
      scopes: ['tokens:read'],
      expiresAt: new Date(Date.now() + 86_400_000),
      digest: await digestAPIToken(token),
      hint,
    })
    const strategy: Strategy = apiTokens({ store: createAPITokenVerifier({ store }), cache: false })
    const input = {
      credential: { kind: 'bearer', header: 'authorization', token } as const,
      request: { method: 'GET', path: '/', header: () => [] },
    }
    for (let i = 0; i < 200; i++) await strategy.authenticate(input) // warm-up: JIT, connections
    const times: number[] = []
    for (let i = 0; i < misses; i++) {
      const start = performance.now()
      await strategy.authenticate(input)
      times.push(performance.now() - start)
    }
    times.sort((a, b) => a - b)
    return {
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      mean: times.reduce((a, b) => a + b, 0) / times.length,
    }
  } finally {
    if (backend === 'postgres') {
      const client = new pg.Client({ connectionString: pgUrl })
      await client.connect()
      await client.query(`drop schema if exists "${schema}" cascade`)
      await client.end()
    }
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Runs the server bench and returns its numbers (also printed by {@link main}).
 *
 * @example
 * ```ts
 * const result = await runServerBench({ duration: 3, backends: ['sqlite'] })
 * ```
 */
export async function runServerBench(opts: ServerBenchOptions = {}): Promise<ServerBenchResult> {
  const duration = opts.duration ?? 3
  const rounds = opts.rounds ?? 6
  const connections = opts.connections ?? 50
  const misses = opts.misses ?? 2000
  const pgUrl =
    opts.pgUrl ?? process.env.KEYGATE_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test'
  const backends = [...(opts.backends ?? ['sqlite', 'postgres'])]
  const rows: ServerBenchRow[] = []
  const ratio: Record<string, number> = {}
  const miss: ServerBenchResult['miss'] = {}

  for (const backend of backends) {
    if (backend === 'postgres' && !(await pgReachable(pgUrl))) {
      console.warn(`server bench: PostgreSQL unreachable at ${pgUrl}; skipped`)
      continue
    }
    const results: Partial<Record<Case, Measurement[]>> = {}
    const cached = await startServer('./servers/token-service.ts', [backend, 'cache-on', pgUrl])
    const uncached = await startServer('./servers/token-service.ts', [backend, 'cache-off', pgUrl])
    try {
      const token = await issueToken(cached.url)
      const tokenOff = await issueToken(uncached.url)
      const targets: Record<Case, { url: string; headers: Record<string, string> }> = {
        // The same request bytes as the protected case (public routes ignore credentials), so
        // that the difference is the server's authentication work, not the request's size.
        health: { url: `${cached.url}/health`, headers: { authorization: `Bearer ${token}` } },
        protected: {
          url: `${cached.url}/bench/protected`,
          headers: { authorization: `Bearer ${token}` },
        },
        me: { url: `${cached.url}/v1/users/me`, headers: { authorization: `Bearer ${token}` } },
        'protected-nocache': {
          url: `${uncached.url}/bench/protected`,
          headers: { authorization: `Bearer ${tokenOff}` },
        },
      }
      for (const target of Object.values(targets))
        await measure(target.url, target.headers, { duration: 1, connections })
      const entries = Object.entries(targets) as [Case, (typeof targets)[Case]][]
      for (let round = 0; round < rounds; round++) {
        // Alternate the order every round, so slow drift on a shared machine favours no case.
        for (const [name, target] of round % 2 === 0 ? entries : [...entries].reverse()) {
          const m = await measure(target.url, target.headers, { duration, connections })
          if (m.non2xx > 0 || m.errors > 0)
            throw new Error(`${backend}/${name}: ${m.non2xx} non-2xx, ${m.errors} errors`)
          ;(results[name] ??= []).push(m)
        }
      }
    } finally {
      await stopServer(cached.child)
      await stopServer(uncached.child)
    }
    for (const name of Object.keys(CASES) as Case[]) {
      const ms = results[name]!
      rows.push({
        backend,
        case: name,
        rps: median(ms.map((m) => m.rps)),
        p50: median(ms.map((m) => m.p50)),
        p99: median(ms.map((m) => m.p99)),
      })
    }
    // The ratio is the median of per-round ratios: each pair ran back to back, under the same load.
    ratio[backend] = median(results.protected!.map((m, i) => m.rps / results.health![i]!.rps))
    miss[backend] = await measureMiss(backend, misses, pgUrl)
  }
  return { machine: machine(), rows, ratio, miss }
}

/** The `npm run bench -- server` entry: runs {@link runServerBench} and prints its tables. */
export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv)
  const opts: ServerBenchOptions = {
    duration: Number(args.duration ?? 3),
    rounds: Number(args.rounds ?? 6),
    connections: Number(args.connections ?? 50),
    misses: Number(args.misses ?? 2000),
    backends: (args.backends ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[],
  }
  console.log(
    `server bench — ${machine()}; ${opts.rounds} rounds × ${opts.duration}s, ${opts.connections} connections, loopback`,
  )
  const result = await runServerBench(opts)
  const http = [['backend', 'case', 'req/s', 'p50 ms', 'p99 ms', 'vs /health']]
  for (const row of result.rows) {
    const health = result.rows.find((r) => r.backend === row.backend && r.case === 'health')!.rps
    http.push([
      row.backend,
      CASES[row.case],
      row.rps.toFixed(0),
      row.p50.toFixed(2),
      row.p99.toFixed(2),
      (row.rps / health).toFixed(3),
    ])
  }
  console.log(`\n${table(http)}\n`)
  const misses = [['backend', 'cache-miss verification p50 ms', 'p99 ms', 'mean ms']]
  for (const [backend, m] of Object.entries(result.miss)) {
    misses.push([backend, m.p50.toFixed(3), m.p99.toFixed(3), m.mean.toFixed(3)])
  }
  console.log(`${table(misses)}\n`)
  for (const [backend, r] of Object.entries(result.ratio)) {
    console.log(
      `${backend}: protected ÷ /health = ${r.toFixed(3)} (median of per-round ratios; target ≥ 0.85, cache warm)`,
    )
  }
}
