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
  watchSteal,
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

  const steal = watchSteal()
  const rows = [
    ['framework', 'variant', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', '+µs', 'ratio', 'vs peer'],
  ]
  const headers = { authorization: `Bearer ${SECRET}` }
  for (const fw of frameworks) {
    const variants = ['none', 'keygate', ...(PEERS[fw] ? ['peer'] : [])]
    const results: Record<string, (Measurement & { cpuPerRequest: number })[]> = {}
    for (let round = 0; round < rounds; round++) {
      for (const v of variants) {
        const server = await startServer(`./servers/${fw}.ts`, [v])
        try {
          await measure(server.url, headers, { duration: 1, connections }) // warm-up (JIT, caches)
          const before = await server.cpu()
          const m = await measure(server.url, headers, { duration, connections })
          const cpuPerRequest = (await server.cpu()) - before
          if (m.non2xx > 0 || m.errors > 0)
            throw new Error(`${fw}/${v}: ${m.non2xx} non-2xx, ${m.errors} errors`)
          ;(results[v] ??= []).push({ ...m, cpuPerRequest: cpuPerRequest / m.total })
        } finally {
          await stopServer(server.child)
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
          cpu: median(ms.map((m) => m.cpuPerRequest)),
        },
      ]),
    )
    const base = summary.none!
    for (const v of variants) {
      const s = summary[v]!
      const name = v === 'peer' ? PEERS[fw]! : v === 'none' ? 'no auth' : 'keygate'
      // Ratios from CPU time per request: the throughput one core would reach, unaffected by
      // time the VM was not running this process.
      const vsPeer = v === 'keygate' && summary.peer ? (summary.peer.cpu / s.cpu).toFixed(3) : ''
      rows.push([
        fw,
        name,
        s.rps.toFixed(0),
        s.p50.toFixed(2),
        s.p99.toFixed(2),
        s.cpu.toFixed(2),
        v === 'none' ? '' : (s.cpu - base.cpu).toFixed(2),
        (base.cpu / s.cpu).toFixed(3),
        vsPeer,
      ])
    }
  }
  console.log(`\n${table(rows)}\n`)
  console.log(steal())
  console.log(
    [
      "CPU µs/req = the server process's CPU time per request (median of rounds); +µs = what auth adds",
      'ratio = no-auth CPU/req ÷ this CPU/req, i.e. the throughput a saturated core keeps (target ≥ 0.95)',
      'vs peer = peer CPU/req ÷ keygate CPU/req (≥ 1.0: keygate is not slower); req/s is wall-clock and noisy on a shared VM',
    ].join('\n'),
  )
}
