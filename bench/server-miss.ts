/**
 * The in-process part of `npm run bench -- server`: the latency of one API-token verification
 * that misses the cache (parse, digest, one indexed store query joined with the owner, checks),
 * on SQLite or PostgreSQL; and whether PostgreSQL is reachable at all.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { apiTokens, type Strategy } from '@keygate/core'
import { createAPITokenVerifier, openStore } from '@keygate/server'
import pg from 'pg'
import { seedBenchToken } from './servers/api-token-store.js'

/** Whether a PostgreSQL server answers at `url` (3 s to connect). */
export async function pgReachable(url: string): Promise<boolean> {
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
export async function measureMiss(backend: 'sqlite' | 'postgres', misses: number, pgUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-bench-miss-'))
  const schema = `kg_bench_miss_${Math.random().toString(36).slice(2, 10)}`
  const store = await openStore(
    backend === 'sqlite' ? { url: `sqlite:${join(dir, 'keygate.db')}` } : { url: pgUrl, schema },
  )
  try {
    await store.migrate()
    const { token } = await seedBenchToken(store, 'miss')
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
