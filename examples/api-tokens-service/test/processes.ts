/** Real processes for the remote-verification tests: `keygate serve` and this example's app. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const TSX = import.meta.resolve('tsx')
const KEYGATE = fileURLToPath(new URL('../../../packages/cli/src/bin/keygate.ts', import.meta.url))
const APP = fileURLToPath(new URL('../src/server.ts', import.meta.url))

export type Proc = {
  readonly child: ChildProcess
  readonly url: string
  output(): string
  /** SIGTERM (graceful) or SIGKILL; resolves when it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

function launch(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  ready: RegExp,
  cwd: string,
): Promise<Proc> {
  const child = spawn(
    process.execPath,
    ['--conditions=@keygate/source', '--import', TSX, script, ...args],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  running.add(child)
  let output = ''
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child)
      resolve()
    }),
  )
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 60 s:\n${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = ready.exec(output)
      if (match === null) return
      clearTimeout(timer)
      resolve({
        child,
        url: match[1]!,
        output: () => output,
        async stop(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal)
          await exited
        },
      })
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before it was ready:\n${output}`))
    })
  })
}

/** `keygate serve` with `env` (KEYGATE_PORT=0 unless given). */
export function startTokenService(env: Record<string, string>, cwd: string): Promise<Proc> {
  return launch(
    KEYGATE,
    ['serve'],
    { KEYGATE_PORT: '0', KEYGATE_LOG_LEVEL: 'warn', ...env },
    /keygate: listening on (http:\/\/127\.0\.0\.1:\d+)/,
    cwd,
  )
}

/** `keygate <args>` to completion. */
export async function runKeygate(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
) {
  const child = spawn(
    process.execPath,
    ['--conditions=@keygate/source', '--import', TSX, KEYGATE, ...args],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr.on('data', (c: Buffer) => (output += c.toString()))
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, output }
}

/** This example as a process (`npm start`), on port 0. */
export function startApp(env: Record<string, string>, cwd: string): Promise<Proc> {
  return launch(APP, [], { PORT: '0', ...env }, /listening on (http:\/\/127\.0\.0\.1:\d+)/, cwd)
}
