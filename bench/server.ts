/**
 * `npm run bench -- server`: the token service, on SQLite and on PostgreSQL, in one run.
 *
 * Over HTTP, with the method of the middleware bench: wrk (`-t1 -c50 --latency`) pinned to CPU 1
 * and the token service pinned to CPU 0 (autocannon, unpinned, when wrk or a second core is
 * missing); fresh server processes every round (one with the verification cache on, one with it
 * off), a 1 s warm-up per case, the order of the cases reversed every other round; every ratio is
 * the median of per-round ratios to the same round's `/health` on the same process. Every request
 * carries the same `Authorization` header:
 *   - `GET /health`              unauthenticated baseline
 *   - `GET /bench/protected`     the same handler behind an API token (verification cache warm)
 *   - `GET /v1/users/me`         a real route: API token + one database read
 *   - on the cache-off process: `GET /health` again (its own baseline) and `GET /bench/protected`
 *     with the verification cache off (every request asks the store)
 * In process: the latency of one verification that misses the cache (digest + store lookup).
 *
 * Options: --duration <s> (default 8) --rounds <n> (default 6) --connections <n> (default 50)
 *          --backends sqlite,postgres --misses <n> (default 2000) --load wrk|autocannon
 */
import { loadavg } from 'node:os'
import { chooseLoadGenerator, type LoadGenerator } from './load.js'
import {
  machine,
  median,
  parseArgs,
  peakRss,
  startServer,
  stopServer,
  table,
  watchSteal,
  type BenchServer,
  type Measurement,
} from './lib.js'
import { measureMiss, pgReachable } from './server-miss.js'
import { BENCH_EMAIL, BENCH_PASSWORD } from './servers/token-service-common.js'

export type ServerBenchOptions = {
  duration?: number
  rounds?: number
  connections?: number
  backends?: readonly ('sqlite' | 'postgres')[]
  /** Cache-miss verifications timed in process. */
  misses?: number
  pgUrl?: string
  /** `autocannon` forces the fallback load generator. */
  load?: string
}

type Case = 'health' | 'protected' | 'me' | 'health-nocache' | 'protected-nocache'
export type ServerBenchRow = {
  backend: string
  case: Case
  rps: number
  p50: number
  p99: number
  /** Peak RSS (MB) of the server process that served the case, median of the rounds. */
  rss: number | undefined
  /**
   * Median of per-round req/s ratios to `/health` served by the same process (the cache-off
   * cases run on a process of their own, whose `/health` is their baseline).
   */
  ratio: number
  /** Median of per-round p99 ratios to the same `/health`. */
  p99Ratio: number
}
export type ServerBenchResult = {
  machine: string
  method: string
  rows: ServerBenchRow[]
  /** Protected (cache warm) req/s ÷ /health req/s, per backend: median of per-round ratios. Target ≥ 0.90. */
  ratio: Record<string, number>
  /** One verification missing the cache, in ms, per backend. */
  miss: Record<string, { p50: number; p99: number; mean: number }>
}

/** The issue's target for the API-token route (cache warm) against `/health`. */
export const SERVER_TARGET = 0.9

const CASES: Record<Case, string> = {
  health: 'GET /health (no auth)',
  protected: 'GET /bench/protected (API token, cache warm)',
  me: 'GET /v1/users/me (API token + DB read)',
  'health-nocache': 'GET /health (no auth), the cache-off server',
  'protected-nocache': 'GET /bench/protected (API token, cache off)',
}
const PATHS: Record<Case, string> = {
  health: '/health',
  protected: '/bench/protected',
  me: '/v1/users/me',
  'health-nocache': '/health',
  'protected-nocache': '/bench/protected',
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

type Run = Measurement & { rss: number | undefined }

/**
 * One fresh token service (cache on or off) serving `cases` in turn: a warm-up of each, then
 * each measured; a run with a non-2xx answer or a socket error fails the bench.
 */
async function serveCases(
  load: LoadGenerator,
  args: string[],
  cases: Case[],
  options: { duration: number; connections: number },
): Promise<Partial<Record<Case, Run>>> {
  const server: BenchServer = await startServer(
    './servers/token-service.ts',
    args,
    {},
    { cpu: load.serverCpu },
  )
  try {
    // The same request bytes on every case (public routes ignore credentials), so that the
    // difference is the server's authentication work, not the request's size.
    const headers = { authorization: `Bearer ${await issueToken(server.url)}` }
    const measured: Partial<Record<Case, Measurement>> = {}
    for (const phase of ['warm-up', 'run'] as const) {
      for (const name of cases) {
        const m = await load.measure(`${server.url}${PATHS[name]}`, headers, {
          ...options,
          duration: phase === 'warm-up' ? 1 : options.duration,
        })
        if (m.non2xx > 0 || m.errors > 0) {
          throw new Error(
            `${args[0]}/${name} ${phase}: ${m.non2xx} non-2xx responses, ${m.errors} socket errors${m.errorDetail === undefined ? '' : ` (${m.errorDetail})`} — failing the run`,
          )
        }
        if (phase === 'run') measured[name] = m
      }
    }
    const rss = peakRss(server.child.pid)
    return Object.fromEntries(Object.entries(measured).map(([name, m]) => [name, { ...m, rss }]))
  } finally {
    await stopServer(server.child)
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
  const duration = opts.duration ?? 8
  const rounds = opts.rounds ?? 6
  const connections = opts.connections ?? 50
  const misses = opts.misses ?? 2000
  const pgUrl =
    opts.pgUrl ?? process.env.KEYGATE_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test'
  const backends = [...(opts.backends ?? ['sqlite', 'postgres'])]
  const load = chooseLoadGenerator(opts.load)
  const rows: ServerBenchRow[] = []
  const ratio: Record<string, number> = {}
  const miss: ServerBenchResult['miss'] = {}
  const options = { duration, connections }

  for (const backend of backends) {
    if (backend === 'postgres' && !(await pgReachable(pgUrl))) {
      console.warn(`server bench: PostgreSQL unreachable at ${pgUrl}; skipped`)
      continue
    }
    const results: Record<Case, Run[]> = {
      health: [],
      protected: [],
      me: [],
      'health-nocache': [],
      'protected-nocache': [],
    }
    const cached: Case[] = ['health', 'protected', 'me']
    const uncached: Case[] = ['health-nocache', 'protected-nocache']
    for (let round = 0; round < rounds; round++) {
      // Reverse the order every other round, so slow drift on a shared machine favours no case.
      const forward = round % 2 === 0
      const on = () =>
        serveCases(
          load,
          [backend, 'cache-on', pgUrl],
          forward ? cached : [...cached].reverse(),
          options,
        )
      const off = () =>
        serveCases(
          load,
          [backend, 'cache-off', pgUrl],
          forward ? uncached : [...uncached].reverse(),
          options,
        )
      const measured = forward
        ? { ...(await on()), ...(await off()) }
        : { ...(await off()), ...(await on()) }
      for (const name of Object.keys(CASES) as Case[]) results[name].push(measured[name]!)
      console.log(
        `[${round + 1}/${rounds}] ${backend}: ${(Object.keys(CASES) as Case[]).map((name) => `${name} ${measured[name]!.rps.toFixed(0)} req/s`).join(', ')}`,
      )
    }
    for (const name of Object.keys(CASES) as Case[]) {
      const ms = results[name]
      // Each case against the /health of the process that served it, in the same round: a
      // second process is a different baseline (its own heap, JIT and batching of responses).
      const health = name.endsWith('-nocache') ? results['health-nocache'] : results.health
      const rss = ms.map((m) => m.rss)
      rows.push({
        backend,
        case: name,
        rps: median(ms.map((m) => m.rps)),
        p50: median(ms.map((m) => m.p50)),
        p99: median(ms.map((m) => m.p99)),
        rss: rss.includes(undefined) ? undefined : median(rss as number[]),
        // Each pair ran in the same round, under the same load.
        ratio: median(ms.map((m, i) => m.rps / health[i]!.rps)),
        p99Ratio: median(ms.map((m, i) => m.p99 / health[i]!.p99)),
      })
    }
    ratio[backend] = rows.find((r) => r.backend === backend && r.case === 'protected')!.ratio
    miss[backend] = await measureMiss(backend, misses, pgUrl)
  }
  return { machine: machine(), method: load.method, rows, ratio, miss }
}

/** The `npm run bench -- server` entry: runs {@link runServerBench} and prints its tables. */
export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv)
  const opts: ServerBenchOptions = {
    duration: Number(args.duration ?? 8),
    rounds: Number(args.rounds ?? 6),
    connections: Number(args.connections ?? 50),
    misses: Number(args.misses ?? 2000),
    backends: (args.backends ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[],
    ...(args.load !== undefined && { load: args.load }),
  }
  console.log(
    `server bench — ${machine()}; ${opts.rounds} interleaved rounds × ${opts.duration} s (+1 s warm-up per case), ${opts.connections} connections, fresh servers every round; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  )
  const steal = watchSteal()
  const result = await runServerBench(opts)
  const http = [['backend', 'case', 'req/s', 'p50 ms', 'p99 ms', 'RSS MB', 'vs /health', 'p99 ×']]
  for (const row of result.rows) {
    http.push([
      row.backend,
      CASES[row.case],
      row.rps.toFixed(0),
      row.p50.toFixed(2),
      row.p99.toFixed(2),
      row.rss === undefined ? '' : row.rss.toFixed(1),
      row.ratio.toFixed(3),
      row.p99Ratio.toFixed(2),
    ])
  }
  console.log(`\n${table(http, [0, 1])}\n`)
  console.log(
    "vs /health, p99 × = medians of per-round ratios to the same round's /health on the same server process (the cache-on server serves /health, protected and me; the cache-off server its own /health and protected); RSS = peak (VmHWM) of the process that served the case.\n",
  )
  const misses = [['backend', 'cache-miss verification p50 ms', 'p99 ms', 'mean ms']]
  for (const [backend, m] of Object.entries(result.miss)) {
    misses.push([backend, m.p50.toFixed(3), m.p99.toFixed(3), m.mean.toFixed(3)])
  }
  console.log(`${table(misses)}\n`)
  for (const [backend, r] of Object.entries(result.ratio)) {
    console.log(
      `${backend}: protected ÷ /health = ${r.toFixed(3)} (median of per-round ratios, cache warm; target ≥ ${SERVER_TARGET}: ${r >= SERVER_TARGET ? 'met' : 'not met'})`,
    )
  }
  console.log(steal())
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  )
  console.log(`method: ${result.method}`)
}
