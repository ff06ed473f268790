import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { COMMANDS } from './commands/index.js'
import type { IO } from './lib/io.js'
import { runCLI } from './run-cli.js'

function bufferIO(): IO & { out(): string; err(): string } {
  let out = ''
  let err = ''
  const stdin = new PassThrough()
  stdin.end()
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    stdin,
    env: {},
    cwd: process.cwd(),
    out: () => out,
    err: () => err,
  }
}

describe('runCLI() --help', () => {
  it.each(COMMANDS.map((c) => [c.name]))(
    '%s: usage, description, examples, options',
    async (name) => {
      const io = bufferIO()
      expect(await runCLI([...name.split(' '), '--help'], { io })).toBe(0)
      const help = io.out()
      expect(help).toMatch(new RegExp(`^Usage: keygate ${name}\\b`))
      const examples = /Examples:\n\n((?: {2}\$ .*\n)+)/.exec(help)?.[1]
      expect(examples, help).toBeDefined()
      for (const line of examples!.trimEnd().split('\n')) expect(line).toContain(`keygate ${name}`)
      expect(help).toContain('      --json ')
      expect(help).toContain('  -h, --help ')
      expect(io.err()).toBe('')
    },
  )

  it('help <command> is <command> --help', async () => {
    const a = bufferIO()
    const b = bufferIO()
    await runCLI(['help', 'user', 'create'], { io: a })
    await runCLI(['user', 'create', '--help'], { io: b })
    expect(a.out()).toBe(b.out())
  })

  it('a flag given a value it does not take, and a boolean given one', async () => {
    const io = bufferIO()
    expect(await runCLI(['secret', 'generate', '--json=yes'], { io })).toBe(2)
    expect(io.err()).toMatch(/^keygate: --json takes no value\n/)
  })
})
