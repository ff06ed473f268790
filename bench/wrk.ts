/**
 * wrk (https://github.com/wg/wrk, Debian's package) as the benches' load generator: finding or
 * installing it, running it pinned to a core, and reading its report.
 */
import { execFileSync, spawn } from 'node:child_process'
import type { Measurement } from './lib.js'

/** Whether `command` is on the PATH. */
function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore', timeout: 10_000 })
    return true
  } catch {
    return false
  }
}

/**
 * Finds wrk, installing Debian's package (`apt-get install -y wrk`, non-interactive) when it is
 * missing and this process runs as root with apt-get available. Returns why it is unavailable,
 * or `undefined` when it is ready.
 */
export function ensureWrk(): string | undefined {
  if (onPath('wrk')) return undefined
  if (process.getuid?.() !== 0) return 'wrk is not installed (and not root, so not installing it)'
  if (!onPath('apt-get')) return 'wrk is not installed and there is no apt-get'
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '-q', 'wrk'], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 300_000,
    })
  console.log('wrk is missing: apt-get install -y wrk …')
  try {
    install()
  } catch {
    try {
      // A fresh container has no package lists yet.
      execFileSync('apt-get', ['update', '-q'], { env, stdio: 'ignore', timeout: 300_000 })
      install()
    } catch (error) {
      return `apt-get install -y wrk failed (${(error as Error).message.split('\n')[0]})`
    }
  }
  return onPath('wrk') ? undefined : 'wrk is still missing after apt-get install'
}

/** Whether `taskset -c <cpu>` works here (util-linux, and the CPU is in this process's set). */
export function canPin(cpu: number): boolean {
  try {
    execFileSync('taskset', ['-c', String(cpu), 'true'], { stdio: 'ignore', timeout: 10_000 })
    return true
  } catch {
    return false
  }
}

/** wrk's `--timeout`: a request with no answer for this long is a socket error. */
export const TIMEOUT_S = 10

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** `520.13us`, `1.20ms`, `2.00s` → milliseconds. */
function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(value)
  if (match === null) throw new Error(`wrk: cannot read the duration ${JSON.stringify(value)}`)
  return Number(match[1]) * UNIT_MS[match[2]!]!
}

/** `190000`, `1.90k`, `1.20M` → a number (wrk abbreviates some counts). */
function toCount(value: string): number {
  const match = /^([\d.]+)([kMGT]?)$/.exec(value)
  if (match === null) throw new Error(`wrk: cannot read the count ${JSON.stringify(value)}`)
  const scale = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[match[2]!]!
  return Number(match[1]) * scale
}

/**
 * Reads the report of `wrk --latency`: requests/s, the latency distribution's 50 % and 99 %, the
 * request count, socket errors (connect, read, write, timeout, summed) and
 * "Non-2xx or 3xx responses". Throws when a line it needs is missing.
 */
export function parseWrk(output: string): Measurement {
  const rps = /^Requests\/sec:\s+([\d.]+)\s*$/m.exec(output)
  const p50 = /^\s+50%\s+(\S+)\s*$/m.exec(output)
  const p99 = /^\s+99%\s+(\S+)\s*$/m.exec(output)
  const total = /^\s+(\d+) requests in /m.exec(output)
  if (rps === null || p50 === null || p99 === null || total === null) {
    throw new Error(`wrk: unexpected output (run with --latency?):\n${output}`)
  }
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output)
  const m: Measurement = {
    rps: Number(rps[1]),
    p50: toMs(p50[1]!),
    p99: toMs(p99[1]!),
    total: toCount(total[1]!),
    errors: socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
  }
  if (socket !== null) m.errorDetail = socket[0].replace('Socket errors: ', '')
  return m
}

/**
 * One `wrk -t1 -c<connections> -d<duration>s --latency --timeout 10s` run, pinned to `cpu` with
 * taskset when given. Resolves with the parsed report; rejects when wrk fails or its report is
 * unreadable.
 */
export function runWrk(
  url: string,
  headers: Record<string, string>,
  options: { duration: number; connections: number; cpu?: number },
): Promise<Measurement> {
  const wrk = [
    'wrk',
    '-t1',
    `-c${options.connections}`,
    `-d${options.duration}s`,
    '--latency',
    // wrk's default (2 s) counts a request stalled by a busy shared VM as an error and drops
    // its latency from the distribution; a stall of 10 s still fails the run.
    '--timeout',
    `${TIMEOUT_S}s`,
    ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    url,
  ]
  const [command, ...args] =
    options.cpu === undefined ? wrk : ['taskset', '-c', `${options.cpu}`, ...wrk]
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`wrk exited with ${code}: ${err.trim() || out.trim()}`))
        return
      }
      try {
        resolve(parseWrk(out))
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    })
  })
}
