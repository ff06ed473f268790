import { describe, expect, it } from 'vitest'
import { COMMANDS } from '../commands/index.js'
import { freshDir, run } from '../../test/run-keygate.js'

describe('the keygate binary', () => {
  it('--help lists every command; usage errors exit 2 with the usage line on stderr', async () => {
    const cwd = freshDir()
    const [help, nothing, unknown, flag, group, groupHelp, commandHelp, missingValue, version] =
      await Promise.all([
        run(['--help'], { cwd }),
        run([], { cwd }),
        run(['frobnicate'], { cwd }),
        run(['serve', '--verbose'], { cwd }),
        run(['token'], { cwd }),
        run(['token', '--help'], { cwd }),
        run(['token', 'create', '--help'], { cwd }),
        run(['token', 'create', '--user'], { cwd }),
        run(['--version'], { cwd }),
      ])
    expect(help.code).toBe(0)
    for (const command of COMMANDS) expect(help.stdout).toContain(`  ${command.name} `)
    expect(nothing.code).toBe(2)
    expect(nothing.stderr).toContain('Usage: keygate <command> [options]')
    expect(unknown).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        "keygate: unknown command 'frobnicate'\nUsage: keygate <command> [options]\nRun 'keygate --help' for details.\n",
    })
    expect(flag.code).toBe(2)
    expect(flag.stderr).toMatch(
      /^keygate: unknown flag --verbose\nUsage: keygate serve \[--host <host>\]/,
    )
    expect(group.code).toBe(2)
    expect(group.stderr).toMatch(
      /^keygate: token: missing command \(create\|list\|revoke\|rotate\)\n/,
    )
    expect(groupHelp.code).toBe(0)
    expect(groupHelp.stdout).toContain('token rotate')
    expect(commandHelp.code).toBe(0)
    expect(commandHelp.stdout).toMatch(
      /^Usage: keygate token create --user <email\|id> --name <name>/,
    )
    expect(commandHelp.stdout).toContain('Examples:\n\n  $ keygate token create')
    expect(missingValue.code).toBe(2)
    expect(missingValue.stderr).toMatch(/^keygate: --user needs a value\n/)
    expect(version.stdout).toMatch(/^keygate \d+\.\d+\.\d+\n$/)
  })
})
