/**
 * `npm run bench -- remote`: an app verifying API tokens through the token service
 * (`apiTokens({ store: introspection(...) })`), in one run:
 *
 *   - over HTTP (autocannon on loopback, app and token service in their own processes),
 *     interleaved round after round, medians kept: the app's `GET /health` (no auth) against its
 *     `GET /protected` (same handler, remote verification, cache warm); target ratio ≥ 0.9;
 *   - in process: one cache miss — an introspection round trip on loopback to the token service
 *     on SQLite — p50/p99; target p99 < 2 ms.
 *
 * Options: --duration <s> (default 3) --rounds <n> (default 6) --connections <n> (default 50)
 *          --misses <n> (default 2000)
 */
import { randomBytes } from 'node:crypto'
import { introspection, staticSecrets } from '@keygate/core'
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
import { BENCH_EMAIL, BENCH_PASSWORD } from './servers/token-service-common.js'

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv)
  const duration = Number(args.duration ?? 3)
  const rounds = Number(args.rounds ?? 6)
  const connections = Number(args.connections ?? 50)
  const misses = Number(args.misses ?? 2000)
  const steal = watchSteal()
  const secret = randomBytes(32).toString('base64url')
  const service = await startServer('./servers/token-service.ts', ['sqlite', 'cache-on'], {
    KEYGATE_SERVICE_TOKEN: secret,
  })
  const app = await startServer('./servers/remote-app.ts', [service.url], {
    KEYGATE_SERVICE_TOKEN: secret,
  })
  try {
    const created = await fetch(`${service.url}/v1/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: BENCH_EMAIL, password: BENCH_PASSWORD, name: 'bench-remote' }),
    })
    if (created.status !== 201) throw new Error(`token creation failed: ${created.status}`)
    const { token } = (await created.json()) as { token: string }
    const headers = { authorization: `Bearer ${token}` }
    const warm = await fetch(`${app.url}/protected`, { headers })
    if (warm.status !== 200) throw new Error(`the app refused the token: ${warm.status}`)

    const results: Record<'health' | 'protected', Measurement[]> = { health: [], protected: [] }
    const ratios: number[] = []
    for (let round = 0; round < rounds; round++) {
      const health = await measure(`${app.url}/health`, headers, { duration, connections })
      const prot = await measure(`${app.url}/protected`, headers, { duration, connections })
      if (prot.non2xx > 0 || prot.errors > 0) throw new Error('the protected route failed requests')
      results.health.push(health)
      results.protected.push(prot)
      ratios.push(prot.rps / health.rps)
    }

    // One miss = one introspection round trip: a fresh verifier key per call (its cache is keyed
    // by digest), the same live token, the stream off (it is not on the miss path).
    const verifier = introspection({
      url: service.url,
      secret: staticSecrets([secret]),
      stream: false,
    })
    const times: number[] = []
    for (let i = 0; i < misses + 100; i++) {
      const digest = `miss-${i}`
      const started = performance.now()
      const found = await verifier.findByDigest(digest, new Date(), { token })
      const elapsed = performance.now() - started
      if (found === undefined) throw new Error('introspection said inactive for a live token')
      if (i >= 100) times.push(elapsed)
    }
    verifier.close()
    times.sort((a, b) => a - b)

    const row = (name: string, ms: Measurement[]) => [
      name,
      Math.round(median(ms.map((m) => m.rps))).toString(),
      median(ms.map((m) => m.p50)).toFixed(1),
      median(ms.map((m) => m.p99)).toFixed(1),
    ]
    console.log(`\n${machine()}; ${rounds} rounds × ${duration} s, ${connections} connections`)
    console.log(
      table([
        ['app route', 'req/s', 'p50 ms', 'p99 ms'],
        row('GET /health (no auth)', results.health),
        row('GET /protected (introspection, cache warm)', results.protected),
      ]),
    )
    console.log(
      `ratio protected / health (median of rounds): ${median(ratios).toFixed(3)} (target ≥ 0.9)`,
    )
    console.log(
      `cache miss (introspection round trip, token service on SQLite), ${misses} calls: ` +
        `p50 ${percentile(times, 50).toFixed(3)} ms, p99 ${percentile(times, 99).toFixed(3)} ms ` +
        `(target p99 < 2 ms)`,
    )
    console.log(steal())
  } finally {
    await stopServer(app.child)
    await stopServer(service.child)
  }
}
