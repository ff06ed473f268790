/**
 * `npm run bench -- middleware`: a hello-world JSON route on node:http, Express, Fastify, Hono and
 * Koa, with no auth, keygate's service-token gate and the framework's well-known peer; on Hono
 * also `apiTokens` over the SQLite store of `@keygate/server` (cache warm, cache off) and
 * better-auth's `verifyApiKey` as the cache-off peer.
 *
 * The method of issue 14: wrk (`-t1 -c50 --latency`) pinned to CPU 1 and the server pinned to
 * CPU 0 (autocannon, unpinned, when wrk or a second core is missing); a fresh server process per
 * variant per round, a 1 s warm-up, then the measured run; rounds interleaved (the order of the
 * variants reversed every other round); every ratio is the median of per-round ratios to the same
 * round's no-auth run of the same framework. Beside each: p99 latency, the server's peak RSS
 * (VmHWM) and CPU time per request; a verdict against the issue's targets.
 *
 * Options: --duration <s> (default 8) --rounds <n> (default 6) --connections <n> (default 50)
 *          --frameworks node,express,fastify,hono,koa  --variants keygate,peer,…  (none is kept)
 *          --load wrk|autocannon  --json <file> (every run's numbers)
 */
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { chooseLoadGenerator, type LoadGenerator } from './load.js'
import {
  machine,
  parseArgs,
  peakRss,
  startServer,
  stopServer,
  watchSteal,
  type Measurement,
} from './lib.js'
import { report, type Run, type VariantSpec } from './middleware-report.js'
import { SECRET } from './servers/common.js'

const NONE: VariantSpec = { id: 'none', label: 'no auth' }
const GATE: VariantSpec = {
  id: 'keygate',
  label: 'keygate serviceToken',
  target: 0.95,
  peer: 'peer',
}

/** Each framework's variants, in the order they run (reversed every other round). */
export const VARIANTS: Record<string, VariantSpec[]> = {
  // A fixed amount of plain JavaScript per request, for scale: what 1 µs of work costs the ratio
  // on this machine, in the same run (decision 0004).
  node: [NONE, GATE, { id: 'spin', label: 'a 1 µs busy loop, for scale' }],
  express: [NONE, GATE, { id: 'peer', label: 'hand-written timingSafeEqual' }],
  fastify: [NONE, GATE, { id: 'peer', label: '@fastify/bearer-auth' }],
  hono: [
    NONE,
    GATE,
    { id: 'peer', label: 'hono/bearer-auth' },
    { id: 'apitokens-warm', label: 'keygate apiTokens, cache warm', target: 0.9 },
    {
      id: 'apitokens-off',
      label: 'keygate apiTokens, cache off',
      target: 0.5,
      peer: 'better-auth',
    },
    { id: 'better-auth', label: 'better-auth verifyApiKey' },
  ],
  koa: [NONE, GATE],
}

function installed(specifier: string): boolean {
  try {
    import.meta.resolve(specifier)
    return true
  } catch {
    return false
  }
}

function check(what: string, m: Measurement): void {
  if (m.non2xx > 0 || m.errors > 0) {
    throw new Error(
      `${what}: ${m.non2xx} non-2xx responses, ${m.errors} socket errors${m.errorDetail === undefined ? '' : ` (${m.errorDetail})`} — failing the run`,
    )
  }
}

/** One fresh server process: warm-up, then the measured run, then its CPU time and peak RSS. */
async function runOnce(
  load: LoadGenerator,
  fw: string,
  variant: string,
  options: { duration: number; connections: number },
): Promise<Run> {
  const server = await startServer(`./servers/${fw}.ts`, [variant], {}, { cpu: load.serverCpu })
  try {
    const headers = { authorization: server.authorization ?? `Bearer ${SECRET}` }
    // Warm-up: JIT, the verification cache, the database's pages.
    check(
      `${fw}/${variant} warm-up`,
      await load.measure(server.url, headers, { ...options, duration: 1 }),
    )
    const before = await server.cpu()
    const m = await load.measure(server.url, headers, options)
    const cpu = (await server.cpu()) - before
    check(`${fw}/${variant}`, m)
    return { ...m, cpuPerRequest: cpu / m.total, rss: peakRss(server.child.pid) }
  } finally {
    await stopServer(server.child)
  }
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv)
  const duration = Number(args.duration ?? 8)
  const rounds = Number(args.rounds ?? 6)
  const connections = Number(args.connections ?? 50)
  const frameworks = (args.frameworks ?? Object.keys(VARIANTS).join(',')).split(',')
  for (const fw of frameworks) {
    if (VARIANTS[fw] === undefined) throw new Error(`middleware bench: no framework ${fw}`)
  }
  const only = args.variants?.split(',')
  const load = chooseLoadGenerator(args.load)
  const plan = Object.fromEntries(
    frameworks.map((fw) => [
      fw,
      VARIANTS[fw]!.filter((v) => v.id === 'none' || only === undefined || only.includes(v.id)),
    ]),
  )
  if (plan.hono?.some((v) => v.id === 'better-auth') && !installed('@better-auth/api-key')) {
    console.log('better-auth / @better-auth/api-key not installed: the better-auth row is skipped')
    plan.hono = plan.hono.filter((v) => v.id !== 'better-auth')
  }

  console.log(`middleware bench — ${machine()}`)
  console.log(`method: ${load.method}`)
  console.log(
    `${rounds} interleaved rounds × ${duration} s (+1 s warm-up), ${connections} connections, a fresh server per variant per round; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  )
  const steal = watchSteal()
  const results: Record<string, Record<string, Run[]>> = {}
  for (let round = 0; round < rounds; round++) {
    for (const fw of frameworks) {
      const specs = round % 2 === 0 ? plan[fw]! : [...plan[fw]!].reverse()
      for (const spec of specs) {
        const run = await runOnce(load, fw, spec.id, { duration, connections })
        ;((results[fw] ??= {})[spec.id] ??= []).push(run)
        console.log(
          `[${round + 1}/${rounds}] ${fw} ${spec.id}: ${run.rps.toFixed(0)} req/s, p99 ${run.p99.toFixed(2)} ms, RSS ${run.rss?.toFixed(0) ?? '?'} MB`,
        )
      }
    }
  }

  console.log(`\n${report(plan, results)}\n`)
  console.log(steal())
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  )
  console.log(`method: ${load.method}`)
  if (args.json !== undefined) {
    writeFileSync(
      args.json,
      JSON.stringify({ machine: machine(), method: load.method, results }, null, 2),
    )
    console.log(`every run's numbers: ${args.json}`)
  }
}
