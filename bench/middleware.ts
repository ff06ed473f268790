/**
 * `npm run bench -- middleware`: a hello-world route on each framework, on loopback, in one run:
 * no auth, keygate's service-token gate, and the framework's well-known peer where one exists.
 * Prints requests/s, p50/p99 latency and each variant's ratio to its framework's no-auth
 * baseline. Variants run interleaved, round after round, and the median of the rounds is kept,
 * so drift on a shared machine hits every variant alike.
 *
 * Options: --duration <s> (default 5) --rounds <n> (default 3) --connections <n> (default 50)
 *          --frameworks node,express,fastify,hono,koa
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
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
import { SECRET } from './servers/common.js'

const PEERS: Record<string, string> = { fastify: '@fastify/bearer-auth', hono: 'hono/bearer-auth' }

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv)
  const duration = Number(args.duration ?? 5)
  const rounds = Number(args.rounds ?? 3)
  const connections = Number(args.connections ?? 50)
  const frameworks = (args.frameworks ?? 'node,express,fastify,hono,koa')
    .split(',')
    .filter((fw) => existsSync(fileURLToPath(new URL(`./servers/${fw}.ts`, import.meta.url))))
  console.log(
    `middleware bench — ${machine()}; ${rounds} rounds × ${duration}s, ${connections} connections, loopback`,
  )

  const rows = [['framework', 'variant', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'vs peer']]
  const headers = { authorization: `Bearer ${SECRET}` }
  for (const fw of frameworks) {
    const variants = ['none', 'keygate', ...(PEERS[fw] ? ['peer'] : [])]
    const results: Record<string, Measurement[]> = {}
    for (let round = 0; round < rounds; round++) {
      for (const v of variants) {
        const { url, child } = await startServer(`./servers/${fw}.ts`, [v])
        try {
          await measure(url, headers, { duration: 1, connections }) // warm-up (JIT, caches)
          const m = await measure(url, headers, { duration, connections })
          if (m.non2xx > 0 || m.errors > 0)
            throw new Error(`${fw}/${v}: ${m.non2xx} non-2xx, ${m.errors} errors`)
          ;(results[v] ??= []).push(m)
        } finally {
          await stopServer(child)
        }
      }
    }
    const summary = Object.fromEntries(
      Object.entries(results).map(([v, ms]) => [
        v,
        {
          rps: median(ms.map((m) => m.rps)),
          p50: median(ms.map((m) => m.p50)),
          p99: median(ms.map((m) => m.p99)),
        },
      ]),
    )
    const base = summary.none!.rps
    for (const v of variants) {
      const s = summary[v]!
      const name = v === 'peer' ? PEERS[fw]! : v === 'none' ? 'no auth' : 'keygate'
      const vsPeer = v === 'keygate' && summary.peer ? (s.rps / summary.peer.rps).toFixed(3) : ''
      rows.push([
        fw,
        name,
        s.rps.toFixed(0),
        s.p50.toFixed(2),
        s.p99.toFixed(2),
        (s.rps / base).toFixed(3),
        vsPeer,
      ])
    }
  }
  console.log(`\n${table(rows)}\n`)
  console.log(
    'ratio = req/s ÷ the same framework without auth (target ≥ 0.95); vs peer = keygate ÷ peer (target ≥ 1.0, noise ±3%)',
  )
}
