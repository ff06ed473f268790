import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../store/index.js'

const BIN = fileURLToPath(new URL('./keygate.ts', import.meta.url))
const TSX = import.meta.resolve('tsx')
const PASSWORD = 'first admin password'

type Run = { child: ChildProcess; output: () => string; exited: Promise<number | null> }

const children: ChildProcess[] = []
const dirs: string[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh directory standing in for a fresh clone: no ./data/ yet. */
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-bin-'))
  dirs.push(dir)
  return dir
}

function run(args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const child = spawn(
    process.execPath,
    ['--conditions=@keygate/source', '--import', TSX, BIN, ...args],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', KEYGATE_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  children.push(child)
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return { child, output: () => output, exited }
}

async function waitFor(runResult: Run, pattern: RegExp): Promise<RegExpExecArray> {
  for (let i = 0; i < 200; i++) {
    const match = pattern.exec(runResult.output())
    if (match !== null) return match
    if (runResult.child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`no ${String(pattern)} in output:\n${runResult.output()}`)
}

describe('keygate serve', () => {
  it('on a fresh clone: creates ./data/, serves on SQLite, says how to create the first admin', async () => {
    const cwd = freshDir()
    const server = run(['serve'], cwd)
    const [, url] = await waitFor(server, /Server listening at (http:\/\/127\.0\.0\.1:\d+)/)
    expect(existsSync(join(cwd, 'data', 'keygate.db'))).toBe(true)
    expect(server.output()).toContain(
      'no users yet. To create the first admin, restart once with KEYGATE_BOOTSTRAP_ADMIN_EMAIL and KEYGATE_BOOTSTRAP_ADMIN_PASSWORD',
    )
    const health = await fetch(`${url}/health`)
    expect(await health.json()).toEqual({ status: 'ok' })
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })

  it('creates the first admin from the interim variables, once; SIGTERM flushes last-used times', async () => {
    const cwd = freshDir()
    const env = {
      KEYGATE_BOOTSTRAP_ADMIN_EMAIL: 'Root@Example.com',
      KEYGATE_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    }
    const server = run(['serve'], cwd, { ...env, KEYGATE_LOG_LEVEL: 'info' })
    const [, url] = await waitFor(server, /Server listening at (http:\/\/127\.0\.0\.1:\d+)/)
    expect(server.output()).toContain('created the first admin')
    expect(server.output()).not.toContain(PASSWORD)

    const created = await fetch(`${url}/v1/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'root@example.com',
        password: PASSWORD,
        name: 'cli',
        scopes: ['users:manage'],
      }),
    })
    expect(created.status).toBe(201)
    const { id, token } = (await created.json()) as { id: string; token: string }
    expect(
      (await fetch(`${url}/v1/users`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(server.output()).not.toContain(token)

    const store = await openStore({ url: `sqlite:${join(cwd, 'data', 'keygate.db')}` })
    try {
      expect((await store.tokens.findById(id))?.lastUsedAt).toBeInstanceOf(Date)
      expect(await store.users.count()).toBe(1)
    } finally {
      await store.close()
    }

    // A second start with the same variables does nothing: there are users now.
    const again = run(['serve'], cwd, env)
    await waitFor(again, /Server listening at/)
    expect(again.output()).not.toContain('created the first admin')
    expect(again.output()).not.toContain('no users yet')
    again.child.kill('SIGTERM')
    expect(await again.exited).toBe(0)
  })

  it('a bad configuration exits 78 naming the variable', async () => {
    const bad = run(['serve'], freshDir(), { KEYGATE_PORT: 'eighty' })
    expect(await bad.exited).toBe(78)
    expect(bad.output()).toContain('KEYGATE_PORT must be an integer')
  })
})

describe('keygate migrate', () => {
  it('applies the migrations, then reports the database up to date', async () => {
    const cwd = freshDir()
    const first = run(['migrate'], cwd)
    expect(await first.exited).toBe(0)
    expect(first.output()).toMatch(/^keygate: applied \S+/m)
    const second = run(['migrate'], cwd)
    expect(await second.exited).toBe(0)
    expect(second.output()).toContain('keygate: database is up to date')
  })

  it('unknown commands exit 2 with the usage', async () => {
    const unknown = run(['frobnicate'], freshDir())
    expect(await unknown.exited).toBe(2)
    expect(unknown.output()).toContain('usage: keygate <command>')
  })
})
