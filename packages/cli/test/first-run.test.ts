/**
 * First run as a new user, on a clone where nothing is built: `npx keygate --help` works after
 * `npm install` (the bin is a shim that runs the sources through tsx when dist/ is absent),
 * `npm start` twice in a row gives a fresh setup code each time (the lost one stops working),
 * a second `npm start` while one runs says the port is taken and replaces nothing, and `npm start`
 * from a subdirectory of the clone is the same service, with its data under the clone's root.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { freshDir } from './run-keygate.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const LINK = join(ROOT, 'node_modules', '.bin', 'keygate')

type Proc = {
  stderr(): string
  stdout(): string
  exited: Promise<number | null>
  /** Signals the process alone, or (`group`) its whole process group, as a terminal's Ctrl-C does. */
  kill(signal: NodeJS.Signals, group?: boolean): void
  waitFor(pattern: RegExp): Promise<RegExpExecArray>
}

function launch(command: string, args: string[], cwd: string, env: Record<string, string>): Proc {
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own: a signal reaches npm and the service under it, as Ctrl-C does.
    detached: true,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve))
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: (signal, group = false) => {
      if (child.pid === undefined || child.exitCode !== null) return
      if (group) process.kill(-child.pid, signal)
      else child.kill(signal)
    },
    async waitFor(pattern) {
      const deadline = Date.now() + 30_000
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

describe('first run on a clone', () => {
  it('the keygate bin npm links is a committed shim, recorded as such in the lock file', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as {
      bin: Record<string, string>
      files: string[]
    }
    expect(manifest.bin.keygate).toBe('./bin/keygate.js')
    expect(manifest.files).toContain('bin')
    const shim = join(ROOT, 'packages/cli/bin/keygate.js')
    expect(statSync(shim).mode & 0o111).not.toBe(0)
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { bin?: Record<string, string> }>
    }
    expect(lock.packages['packages/cli']?.bin).toEqual({ keygate: 'bin/keygate.js' })
    expect(existsSync(LINK)).toBe(true)
  })

  it('`npx keygate --help` works without a build, from the root and through the link from anywhere', async () => {
    const fromRoot = launch('npx', ['--no-install', 'keygate', '--help'], ROOT, {})
    expect(await fromRoot.exited).toBe(0)
    expect(fromRoot.stdout()).toMatch(/^Usage: keygate <command> \[options\]/)
    const elsewhere = launch(LINK, ['--version'], freshDir(), {})
    expect(await elsewhere.exited).toBe(0)
    expect(elsewhere.stdout()).toMatch(/^keygate \d+\.\d+\.\d+\n$/)
    const failing = launch(LINK, ['frobnicate'], freshDir(), {})
    expect(await failing.exited).toBe(2) // the exit code passes through the shim
  })

  it('passes SIGTERM to `keygate serve`, which drains and exits 0', async () => {
    const cwd = freshDir()
    const serve = launch(LINK, ['serve', '--port', '0'], cwd, {
      KEYGATE_DATABASE_URL: `sqlite:${join(cwd, 'data', 'keygate.db')}`,
    })
    await serve.waitFor(/keygate: listening on/)
    serve.kill('SIGTERM')
    expect(await serve.exited).toBe(0)
    expect(serve.stderr()).toContain('keygate: stopped')
  }, 60_000)

  it('`npm start` twice: a new setup code each time, the lost one refused; a second one while the first runs fails on the port and replaces nothing; from a subdirectory: the same data', async () => {
    // A database path relative to the clone (gitignored tmp/): `npm start` resolves it against
    // the clone's root whichever directory it is run from, as it does the default ./data/.
    const relative = `tmp/first-run-${process.pid}`
    const data = join(ROOT, relative)
    try {
      const port = String(await freePort())
      const env = {
        KEYGATE_PORT: port,
        KEYGATE_LOG_LEVEL: 'warn',
        KEYGATE_DATABASE_URL: `sqlite:./${relative}/keygate.db`,
      }
      const code = /^ {4}([0-9A-Z]{4}(?:-[0-9A-Z]{4}){6})$/m

      const first = launch('npm', ['start'], ROOT, env)
      const [, firstCode] = await first.waitFor(code)
      expect(readFileSync(join(data, 'setup-code'), 'utf8').trim()).toBe(firstCode)

      // While it runs, from a subdirectory of the clone: the same service, so the port is taken.
      const busy = launch('npm', ['start'], join(ROOT, 'docs'), env)
      expect(await busy.exited).not.toBe(0)
      expect(busy.stderr()).toContain(`127.0.0.1:${port} is already in use`)
      expect(readFileSync(join(data, 'setup-code'), 'utf8').trim()).toBe(firstCode)

      first.kill('SIGINT', true)
      await first.exited

      // The code was "lost": start again from packages/cli; a fresh code, and the first is refused.
      const second = launch('npm', ['start'], join(ROOT, 'packages', 'cli'), env)
      const [, secondCode] = await second.waitFor(code)
      expect(secondCode).not.toBe(firstCode)
      expect(readFileSync(join(data, 'setup-code'), 'utf8').trim()).toBe(secondCode)
      const url = `http://127.0.0.1:${port}/v1/setup`
      const attempt = (setupCode: string | undefined) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            code: setupCode,
            email: 'first@example.com',
            password: 'correct horse battery staple',
          }),
        })
      expect((await attempt(firstCode)).status).toBe(400)
      expect((await attempt(secondCode)).status).toBe(201)
      second.kill('SIGINT', true)
      await second.exited
    } finally {
      rmSync(data, { recursive: true, force: true })
    }
  }, 120_000)
})
