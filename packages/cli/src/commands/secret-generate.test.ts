import { describe, expect, it } from 'vitest'
import { freshDir, json, run } from '../../test/run-keygate.js'

describe('keygate secret generate', () => {
  it('prints base64url secrets of the requested size; refuses sizes out of range', async () => {
    const cwd = freshDir()
    const [plain, again, big, machine, small, word] = await Promise.all([
      run(['secret', 'generate'], { cwd }),
      run(['secret', 'generate'], { cwd }),
      run(['secret', 'generate', '--bytes', '64'], { cwd }),
      run(['secret', 'generate', '--json'], { cwd }),
      run(['secret', 'generate', '--bytes', '8'], { cwd }),
      run(['secret', 'generate', '--bytes', 'lots'], { cwd }),
    ])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/)
    expect(again.stdout).not.toBe(plain.stdout)
    expect(Buffer.from(big.stdout.trim(), 'base64url')).toHaveLength(64)
    const body = json<{ secret: string; bytes: number }>(machine)
    expect(body.bytes).toBe(32)
    expect(Buffer.from(body.secret, 'base64url')).toHaveLength(32)
    expect(small).toMatchObject({ code: 2, stdout: '' })
    expect(small.stderr).toMatch(
      /^keygate: --bytes must be between 16 and 1024\nUsage: keygate secret generate/,
    )
    expect(word.code).toBe(2)
    expect(word.stderr).toMatch(/^keygate: --bytes must be a whole number\n/)
  })
})
