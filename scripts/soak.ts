/**
 * `npm run soak`: a bounded soak of the token service, on loopback only.
 *
 * Starts `keygate serve` (from the sources, SQLite in a temporary directory) as a child process
 * and, for `--seconds` (default 180), sends mixed traffic from `--concurrency` workers (default
 * 16): valid API tokens, introspection with the current service secret, wrong, revoked,
 * malformed and oversized credentials, requests that are not HTTP — while the service secret is
 * rotated (the file rewritten: new + old, then new alone) and tokens are revoked and new ones
 * issued. Every answer is checked against what it must be; the run prints the count of wrong
 * answers (must be 0), transport errors, p50/p99 latency, and the server's RSS after warm-up and
 * at the end, and fails (exit 1) on any wrong answer or when RSS grew by more than
 * `--rss-growth-mib` (default 64 MiB).
 *
 *   npm run soak -- --seconds 60 --concurrency 8
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createSoakClient } from './lib/soak-requests.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '180' },
    concurrency: { type: 'string', default: '16' },
    'rss-growth-mib': { type: 'string', default: '64' },
    'warmup-seconds': { type: 'string', default: '10' },
  },
})
const SECONDS = Number(values.seconds)
const CONCURRENCY = Number(values.concurrency)
const RSS_BOUND_MIB = Number(values['rss-growth-mib'])
const WARMUP_SECONDS = Math.min(Number(values['warmup-seconds']), SECONDS / 4)
const PASSWORD = 'correct horse battery staple'
// After a change of the secret file, answers for the secrets it touched are not judged for this
// long: the server's file watch and secret cache need a moment.
const SETTLE_MS = 2000

const root = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'keygate-soak-'))
const secretFile = join(dir, 'service-token')
const secret = () => randomBytes(32).toString('base64url')

function writeSecrets(lines: string[]): void {
  const temp = `${secretFile}.tmp`
  writeFileSync(temp, `${lines.join('\n')}\n`, { mode: 0o600 })
  renameSync(temp, secretFile)
}

// --- the server --------------------------------------------------------------------------------

let current = secret()
let previous: string | undefined
let retired: string[] = []
let secretsChangedAt = 0
writeSecrets([current])

const child = spawn(
  process.execPath,
  [
    '--conditions=@keygate/source',
    '--import',
    import.meta.resolve('tsx'),
    join(root, 'packages/cli/src/bin/keygate.ts'),
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
  ],
  {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      KEYGATE_DATABASE_URL: `sqlite:${join(dir, 'data', 'keygate.db')}`,
      KEYGATE_LOG_LEVEL: 'warn',
      KEYGATE_INTROSPECTION_SERVICE_TOKEN: JSON.stringify({ file: secretFile }),
      KEYGATE_RATE_LIMITS_CREATE_TOKEN_PER_IP_LIMIT: '1000000',
      KEYGATE_RATE_LIMITS_CREATE_TOKEN_PER_EMAIL_LIMIT: '1000000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  },
)
let stderr = ''
child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))

async function waitFor(pattern: RegExp): Promise<RegExpExecArray> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const match = pattern.exec(stderr)
    if (match !== null) return match
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the server did not start:\n${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function rssMiB(): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1])
  return kb / 1024
}

// --- requests ----------------------------------------------------------------------------------

let base = ''
const { tally, latencies, http, raw } = createSoakClient(() => base)

// --- tokens ------------------------------------------------------------------------------------

type Live = { id: string; token: string }
const live: Live[] = []
const revoked: string[] = []
// Picked for revocation: from that moment an answer for it is not judged.
const dying = new Set<string>()

async function issue(email: string): Promise<Live> {
  const response = await fetch(`${base}/v1/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email,
      password: PASSWORD,
      name: `soak-${randomBytes(6).toString('hex')}`,
      scopes: ['tokens:read', 'tokens:write'],
    }),
  })
  const body = (await response.json()) as Live
  if (response.status !== 201) throw new Error(`token creation failed: ${response.status}`)
  return { id: body.id, token: body.token }
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!

// --- the mix -----------------------------------------------------------------------------------

const is =
  (...statuses: number[]) =>
  (status: number) =>
    statuses.includes(status)
const clientError = (status: number) => status >= 400 && status < 500

async function one(): Promise<void> {
  const roll = Math.random()
  const sentAt = Date.now()
  // Judged only when no change of the secret file is near the request, before or during it.
  const settled = () =>
    sentAt - secretsChangedAt > SETTLE_MS && Date.now() - secretsChangedAt > SETTLE_MS
  if (roll < 0.3 && live.length > 0) {
    const t = pick(live)
    // Revoked while the request was under way? Then either answer is right.
    const judge = () => !dying.has(t.token)
    await http({ name: 'valid token', ok: is(200), judge }, 'GET', '/v1/auth/tokens', {
      headers: { authorization: `Bearer ${t.token}` },
    })
    return
  }
  if (roll < 0.45 && live.length > 0) {
    const t = pick(live)
    const used = current
    await http(
      {
        name: 'introspect (current secret)',
        ok: is(200),
        judge: () => settled() && used === current,
      },
      'POST',
      '/v1/auth/introspect',
      {
        headers: { authorization: `Bearer ${used}`, 'content-type': 'application/json' },
        body: JSON.stringify({ token: t.token }),
      },
    )
    return
  }
  if (roll < 0.5 && retired.length > 0) {
    await http(
      { name: 'introspect (retired secret)', ok: is(401), judge: settled },
      'POST',
      '/v1/auth/introspect',
      {
        headers: { authorization: `Bearer ${pick(retired)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'x' }),
      },
    )
    return
  }
  if (roll < 0.6 && revoked.length > 0) {
    await http({ name: 'revoked token', ok: is(401), judge: true }, 'GET', '/v1/auth/tokens', {
      headers: { authorization: `Bearer ${pick(revoked)}` },
    })
    return
  }
  if (roll < 0.7) {
    const t = live.length > 0 ? pick(live).token : `kg_${'A'.repeat(36)}`
    const bad = `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`
    await http({ name: 'wrong token', ok: is(401), judge: true }, 'GET', '/v1/auth/tokens', {
      headers: { authorization: `Bearer ${bad}` },
    })
    return
  }
  if (roll < 0.75) {
    await http({ name: 'no credential', ok: is(401), judge: true }, 'GET', '/v1/users/me')
    return
  }
  if (roll < 0.8) {
    await http({ name: 'malformed bearer', ok: is(400), judge: true }, 'GET', '/v1/auth/tokens', {
      headers: { authorization: 'Bearer a b c' },
    })
    return
  }
  if (roll < 0.85) {
    await http(
      { name: 'oversized credential', ok: is(400), judge: true },
      'GET',
      '/v1/auth/tokens',
      {
        headers: { authorization: `Bearer ${'a'.repeat(6000)}` },
      },
    )
    return
  }
  if (roll < 0.9) {
    await http(
      { name: 'malformed JSON', ok: clientError, judge: true },
      'POST',
      '/v1/auth/introspect',
      {
        headers: { authorization: `Bearer ${current}`, 'content-type': 'application/json' },
        body: '{"token":',
      },
    )
    return
  }
  const garbage = pick([
    'GARBAGE\r\n\r\n',
    'GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
  ])
  await raw({ name: 'not HTTP', ok: clientError, judge: true }, garbage)
}

// --- run ---------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const [, url] = await waitFor(/keygate: listening on (http:\/\/\S+)/)
  base = url!
  const [, code] = await waitFor(/^ {4}([0-9A-Z]{4}(?:-[0-9A-Z]{4}){6})$/m)
  const email = 'soak@example.com'
  const setup = await fetch(`${base}/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, email, password: PASSWORD }),
  })
  if (setup.status !== 201) throw new Error(`setup failed: ${setup.status}`)
  for (let i = 0; i < 12; i++) live.push(await issue(email))

  const started = Date.now()
  const ends = started + SECONDS * 1000
  let running = true
  let rssStart: number | undefined
  const background: Promise<void>[] = []

  // Service-secret rotation: [new, old] for a while, then [new]; every 8 s.
  background.push(
    (async () => {
      while (running) {
        await new Promise((resolve) => setTimeout(resolve, 4000))
        if (!running) break
        previous = current
        current = secret()
        writeSecrets([current, previous])
        secretsChangedAt = Date.now()
        await new Promise((resolve) => setTimeout(resolve, 4000))
        if (!running) break
        writeSecrets([current])
        retired = [...retired.slice(-20), previous]
        previous = undefined
        secretsChangedAt = Date.now()
      }
    })(),
  )
  // Revocations: one token revoked and a new one issued every 500 ms.
  background.push(
    (async () => {
      while (running) {
        await new Promise((resolve) => setTimeout(resolve, 500))
        if (!running || live.length === 0) break
        const victim = live.splice(Math.floor(Math.random() * live.length), 1)[0]!
        dying.add(victim.token)
        const response = await fetch(`${base}/v1/auth/tokens/current`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${victim.token}` },
        })
        if (response.status === 204) {
          revoked.push(victim.token)
          if (revoked.length > 200) dying.delete(revoked.shift()!)
        } else tally.errors++
        try {
          live.push(await issue(email))
        } catch {
          tally.errors++
        }
      }
    })(),
  )
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < ends) await one()
  })
  const sampler = (async () => {
    await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000))
    rssStart = rssMiB()
  })()
  await Promise.all(workers)
  running = false
  await Promise.all([...background, sampler])
  const rssEnd = rssMiB()

  latencies.sort((a, b) => a - b)
  const quantile = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0
  const elapsed = (Date.now() - started) / 1000
  console.log(`soak: ${SECONDS} s, ${CONCURRENCY} workers, loopback ${base}`)
  for (const [name, entry] of [...tally.byName].sort()) {
    const statuses = [...entry.statuses].map(([s, n]) => `${s}×${n}`).join(' ')
    console.log(
      `  ${name.padEnd(30)} ${String(entry.count).padStart(8)}  wrong ${entry.wrong}  (${statuses})`,
    )
  }
  console.log(
    `requests:       ${tally.requests} (${Math.round(tally.requests / elapsed)}/s), ${tally.unjudged} not judged (just after a secret change)`,
  )
  console.log(`wrong answers:  ${tally.wrong} (must be 0)`)
  for (const sample of tally.wrongSamples) console.log(`  ${sample}`)
  console.log(`errors:         ${tally.errors} (transport)`)
  console.log(
    `latency:        p50 ${quantile(0.5).toFixed(1)} ms, p99 ${quantile(0.99).toFixed(1)} ms, max ${quantile(1).toFixed(1)} ms`,
  )
  const growth = rssEnd - (rssStart ?? rssEnd)
  console.log(
    `server RSS:     ${rssStart?.toFixed(1)} MiB after ${WARMUP_SECONDS} s warm-up → ${rssEnd.toFixed(1)} MiB at the end (growth ${growth.toFixed(1)} MiB; bound ${RSS_BOUND_MIB} MiB)`,
  )
  return tally.wrong === 0 && growth <= RSS_BOUND_MIB ? 0 : 1
}

let exitCode = 1
try {
  exitCode = await main()
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
} finally {
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
  rmSync(dir, { recursive: true, force: true })
}
process.exit(exitCode)
