import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { buildSync } from 'esbuild'

export type Measurement = {
  rps: number
  p50: number
  p99: number
  errors: number
  non2xx: number
  /** Requests completed. */
  total: number
  /** What the errors were, where the load generator says (wrk: `connect 0, read 1, …`). */
  errorDetail?: string
}

/**
 * A bench server process: its URL, its CPU time in µs on demand (SIGUSR2), and the
 * `Authorization` value it asks for when it printed one (`authorization <value>` before
 * `listening <url>`: a credential it created at start, such as an API token).
 */
export type BenchServer = {
  url: string
  child: ChildProcess
  cpu(): Promise<number>
  authorization?: string
}

let built = false

/** The packages the bench servers load (and what they depend on). */
export const BENCH_PACKAGES = [
  '@keygate/node',
  '@keygate/express',
  '@keygate/fastify',
  '@keygate/hono',
  '@keygate/koa',
  '@keygate/server',
]

/** Where the bench servers are compiled to (`ensureBuilt`). */
const SERVERS_OUT = fileURLToPath(new URL('../node_modules/.cache/keygate-bench/', import.meta.url))

/**
 * Compiles the bench packages to dist/ once per run (`KEYGATE_BENCH_BUILD`, space-separated
 * package names, narrows the list), and the bench servers themselves to plain JavaScript: a
 * server run through the TypeScript loader (`tsx`) carries the loader's thread and a transformed
 * copy of every module it loads, which showed as +13 MB of RSS for Kysely alone, more than a user
 * running compiled code pays. Packages stay external, so the servers load `dist/` as users do.
 */
export function ensureBuilt(): void {
  if (built) return
  const names = process.env.KEYGATE_BENCH_BUILD?.split(' ').filter(Boolean) ?? BENCH_PACKAGES
  console.log(`building ${names.join(', ')} to dist/…`)
  const script = fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))
  execFileSync(process.execPath, [script, ...names], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const servers = fileURLToPath(new URL('./servers/', import.meta.url))
  rmSync(SERVERS_OUT, { recursive: true, force: true })
  buildSync({
    entryPoints: readdirSync(servers)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => servers + name),
    outdir: SERVERS_OUT,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  })
  built = true
}

/**
 * Starts a bench server in its own process (so the load generator does not share its event
 * loop), pinned to one CPU with `taskset -c <cpu>` when `options.cpu` is given (taskset execs
 * node, so `child.pid` is the server's own pid).
 */
export async function startServer(
  file: string,
  args: string[],
  env: Record<string, string> = {},
  options: { cpu?: number } = {},
): Promise<BenchServer> {
  ensureBuilt()
  // Compiled JavaScript, no `@keygate/source` condition: the servers load the packages' dist/,
  // without a TypeScript loader, as users run them.
  const compiled = SERVERS_OUT + file.replace(/^.*\//, '').replace(/\.ts$/, '.mjs')
  const node = [process.execPath, compiled, ...args]
  const [command, ...argv] =
    options.cpu === undefined ? node : ['taskset', '-c', String(options.cpu), ...node]
  const child = spawn(command!, argv, {
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const waiting: ((cpu: number) => void)[] = []
  let out = ''
  let authorization: string | undefined
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      authorization ??= /^authorization (.+)$/m.exec(out)?.[1]
      const match = /^listening (http:\/\/\S+)$/m.exec(out)
      if (match) resolve(match[1]!)
      let cpu: RegExpExecArray | null
      while ((cpu = /^cpu (\d+)$/m.exec(out)) !== null) {
        out = out.slice(cpu.index + cpu[0].length)
        waiting.shift()?.(Number(cpu[1]))
      }
    })
    child.on('exit', (code) => reject(new Error(`${file} ${args.join(' ')} exited with ${code}`)))
  })
  const cpu = () =>
    new Promise<number>((resolve) => {
      waiting.push(resolve)
      child.kill('SIGUSR2')
    })
  return authorization === undefined ? { url, child, cpu } : { url, child, cpu, authorization }
}

/**
 * The peak resident set size of a process in MB (`VmHWM` of /proc/<pid>/status), or `undefined`
 * where /proc is not there. Read it before stopping the process.
 */
export function peakRss(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb === undefined ? undefined : Number(kb) / 1024
  } catch {
    return undefined
  }
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/** One autocannon run on loopback. */
export async function measure(
  url: string,
  headers: Record<string, string>,
  options: { duration: number; connections: number },
): Promise<Measurement> {
  const result = await autocannon({
    url,
    headers,
    duration: options.duration,
    connections: options.connections,
    pipelining: 1,
  })
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    total: result.requests.total,
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function machine(): string {
  const cpu = cpus()
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
}

export function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith('--')) continue
    const [key, value] = arg.slice(2).split('=')
    out[key!] = value ?? argv[i + 1] ?? 'true'
    if (value === undefined && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) i++
  }
  return out
}

/** Aligned columns: the `left` ones (default: the first) padded on the right, numbers on the left. */
export function table(rows: string[][], left: readonly number[] = [0]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows
    .map((r) =>
      r
        .map((cell, c) => (left.includes(c) ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/**
 * Starts watching the CPU time the hypervisor took from this VM (`steal` in /proc/stat); the
 * returned function says what share of the machine's CPU time it was. On a shared VM a high
 * steal share makes wall-clock numbers meaningless: the benches print it with their results.
 */
export function watchSteal(): () => string {
  const read = (): { steal: number; total: number } | undefined => {
    try {
      const fields = readFileSync('/proc/stat', 'utf8')
        .split('\n')[0]!
        .trim()
        .split(/\s+/)
        .slice(1)
        .map(Number)
      return { steal: fields[7] ?? 0, total: fields.reduce((a, b) => a + b, 0) }
    } catch {
      return undefined
    }
  }
  const start = read()
  return () => {
    const end = read()
    if (start === undefined || end === undefined || end.total === start.total)
      return 'CPU steal: unknown'
    const share = ((end.steal - start.steal) / (end.total - start.total)) * 100
    return `CPU steal during the run: ${share.toFixed(1)} %${share > 5 ? ' — the VM was throttled; treat these numbers as unreliable' : ''}`
  }
}
