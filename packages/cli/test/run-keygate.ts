/**
 * Runs the real `keygate` binary (TypeScript sources through tsx, as `npm start` does) as a child
 * process, in a directory of its own, against real SQLite files and PostgreSQL schemas.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  backendSuites,
  postgresReachable,
  postgresSchema,
  TEST_PG_URL,
} from '@keygate/testkit/postgres'
import { afterAll } from 'vitest'

export const BIN = fileURLToPath(new URL('../src/bin/keygate.ts', import.meta.url))
const TSX = import.meta.resolve('tsx')
export const PG_URL = TEST_PG_URL

/** A finished run: exit code and everything written. */
export type Result = { code: number | null; stdout: string; stderr: string }

/** A process still running (`serve`). */
export type Running = {
  child: ChildProcess
  stdout(): string
  stderr(): string
  exited: Promise<Result>
  /** Resolves with the first match of `pattern` on stderr (status lines go there). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
}

const children = new Set<ChildProcess>()
const dirs: string[] = []

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh working directory standing in for a fresh clone (no ./data/ yet); removed after the file. */
export function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-cli-'))
  dirs.push(dir)
  return dir
}

/** Only what the child needs: no KEYGATE_* from the developer's shell leaks into a test. */
function childEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }
}

/** Starts `keygate <args>` and returns at once. */
export function start(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; stdin?: string } = { cwd: freshDir() },
): Running {
  const child = spawn(
    process.execPath,
    ['--conditions=@keygate/source', '--import', TSX, BIN, ...args],
    {
      cwd: options.cwd,
      env: childEnv(options.env ?? {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  if (options.stdin !== undefined) child.stdin.end(options.stdin)
  else child.stdin.end()
  const exited = new Promise<Result>((resolve) =>
    child.once('close', (code) => {
      children.delete(child)
      resolve({ code, stdout, stderr })
    }),
  )
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async waitFor(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const match = pattern.exec(stderr)
        if (match !== null) return match
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`no ${String(pattern)} on stderr:\n${stderr}\nstdout:\n${stdout}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    },
  }
}

/** Runs `keygate <args>` to completion. */
export function run(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; stdin?: string },
): Promise<Result> {
  return start(args, options).exited
}

/** Parses stdout as JSON, with the output in the message when it is not. */
export function json<T = unknown>(result: Result): T {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(
      `stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`,
    )
  }
}

const postgresUp = await postgresReachable()

/** A database of its own: a SQLite file in `dir`, or a fresh PostgreSQL schema dropped after. */
export type TestDatabase = {
  backend: 'sqlite' | 'postgres'
  env: Record<string, string>
  drop(): Promise<void>
}

export function sqliteDatabase(dir: string): TestDatabase {
  return {
    backend: 'sqlite',
    env: { KEYGATE_DATABASE_URL: `sqlite:${join(dir, 'data', 'keygate.db')}` },
    drop: () => Promise.resolve(),
  }
}

export function postgresDatabase(): TestDatabase {
  const { schema, drop } = postgresSchema('kg_cli')
  return {
    backend: 'postgres',
    env: { KEYGATE_DATABASE_URL: PG_URL, KEYGATE_DATABASE_SCHEMA: schema },
    drop,
  }
}

/** Registers `body` once per backend; PostgreSQL is skipped locally (never in CI) when unreachable. */
export const forEachBackend = backendSuites(postgresUp)
