/**
 * `npm run bench -- edge`: what authenticating at the edge costs, in one run, over HTTP on
 * loopback (autocannon; every process its own), interleaved round after round, medians kept:
 *   (d) the upstream direct                  a hello-world node:http server
 *   (a) nginx → upstream                      proxy_pass with upstream keep-alive
 *   (b) nginx + auth_request → /v1/auth/check → upstream   (docs/edge.md's configuration)
 *   (c) keygate proxy → upstream
 * Every request carries the same valid API token. Ratios are to (d).
 *
 * Needs nginx (`KEYGATE_TEST_NGINX`, default /usr/sbin/nginx).
 * Options: --duration <s> (default 3) --rounds <n> (default 4) --connections <n> (default 50)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nginxForwardAuth, startNginx, type RunningNginx } from '../packages/server/test/nginx.js'
import {
  machine,
  measure,
  median,
  parseArgs,
  startServer,
  stopServer,
  table,
  watchSteal,
  type BenchServer,
  type Measurement,
} from './lib.js'
import { BENCH_EMAIL, BENCH_PASSWORD } from './servers/token-service-common.js'

type Case = 'direct' | 'nginx' | 'nginx-check' | 'proxy'
const CASES: Record<Case, string> = {
  direct: '(d) upstream direct',
  nginx: '(a) nginx → upstream',
  'nginx-check': '(b) nginx + auth_request /v1/auth/check → upstream',
  proxy: '(c) keygate proxy → upstream',
}

export type EdgeBenchRow = { case: Case; rps: number; p50: number; p99: number; ratio: number }

async function issueToken(url: string): Promise<string> {
  const response = await fetch(`${url}/v1/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: BENCH_EMAIL, password: BENCH_PASSWORD, name: 'edge-bench' }),
  })
  if (response.status !== 201) throw new Error(`token creation failed: ${response.status}`)
  return ((await response.json()) as { token: string }).token
}

/**
 * Runs the edge bench and returns its rows (also printed by {@link main}).
 *
 * @example
 * ```ts
 * const rows = await runEdgeBench({ duration: 3, rounds: 4, connections: 50 })
 * ```
 */
export async function runEdgeBench(opts: {
  duration: number
  rounds: number
  connections: number
}): Promise<EdgeBenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-bench-edge-'))
  const servers: BenchServer[] = []
  const nginxes: RunningNginx[] = []
  try {
    const upstream = await startServer('./servers/node.ts', ['none'])
    servers.push(upstream)
    const upstreamHost = new URL(upstream.url).host
    const db = join(dir, 'keygate.db')
    const service = await startServer('./servers/edge-service.ts', ['service', db, upstream.url])
    servers.push(service)
    const proxy = await startServer('./servers/edge-service.ts', ['proxy', db, upstream.url])
    servers.push(proxy)
    const token = await issueToken(service.url)
    const plain = await startNginx(
      (port) => `
  upstream app { server ${upstreamHost}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://app;
    }
  }`,
    )
    nginxes.push(plain)
    const checked = await startNginx((port) =>
      nginxForwardAuth({ keygate: new URL(service.url).host, upstream: upstreamHost, port }),
    )
    nginxes.push(checked)

    const headers = { authorization: `Bearer ${token}` }
    const targets: Record<Case, string> = {
      direct: `${upstream.url}/things/1`,
      nginx: `${plain.url}/things/1`,
      'nginx-check': `${checked.url}/things/1`,
      proxy: `${proxy.url}/things/1`,
    }
    for (const [name, url] of Object.entries(targets)) {
      const warm = await measure(url, headers, { duration: 1, connections: opts.connections })
      if (warm.non2xx > 0 || warm.errors > 0) {
        throw new Error(`${name}: ${warm.non2xx} non-2xx, ${warm.errors} errors in the warm-up`)
      }
    }
    const results: Partial<Record<Case, Measurement[]>> = {}
    const entries = Object.entries(targets) as [Case, string][]
    for (let round = 0; round < opts.rounds; round++) {
      // Alternate the order every round, so slow drift on a shared machine favours no case.
      for (const [name, url] of round % 2 === 0 ? entries : [...entries].reverse()) {
        const m = await measure(url, headers, {
          duration: opts.duration,
          connections: opts.connections,
        })
        if (m.non2xx > 0 || m.errors > 0) {
          throw new Error(`${name}: ${m.non2xx} non-2xx, ${m.errors} errors`)
        }
        ;(results[name] ??= []).push(m)
      }
    }
    return (Object.keys(CASES) as Case[]).map((name) => {
      const ms = results[name]!
      return {
        case: name,
        rps: median(ms.map((m) => m.rps)),
        p50: median(ms.map((m) => m.p50)),
        p99: median(ms.map((m) => m.p99)),
        // Median of per-round ratios: each case ran next to (d) under the same load.
        ratio: median(ms.map((m, i) => m.rps / results.direct![i]!.rps)),
      }
    })
  } finally {
    for (const nginx of nginxes) await nginx.close()
    for (const server of servers.reverse()) await stopServer(server.child)
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The `npm run bench -- edge` entry: runs {@link runEdgeBench} and prints its table. */
export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv)
  const opts = {
    duration: Number(args.duration ?? 3),
    rounds: Number(args.rounds ?? 4),
    connections: Number(args.connections ?? 50),
  }
  console.log(
    `edge bench — ${machine()}; ${opts.rounds} rounds × ${opts.duration}s, ${opts.connections} connections, loopback`,
  )
  const steal = watchSteal()
  const rows = await runEdgeBench(opts)
  const out = [['case', 'req/s', 'p50 ms', 'p99 ms', 'vs (d)']]
  for (const row of rows) {
    out.push([
      CASES[row.case],
      row.rps.toFixed(0),
      row.p50.toFixed(2),
      row.p99.toFixed(2),
      row.ratio.toFixed(3),
    ])
  }
  console.log(`\n${table(out)}\n`)
  console.log(steal())
}
