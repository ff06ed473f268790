import { describe, expect, it } from 'vitest'
import { freshDir, json, run } from '../../test/run-keygate.js'

describe('keygate migrate', () => {
  it('applies the migrations on a fresh clone, then says the database is up to date', async () => {
    const cwd = freshDir()
    const first = await run(['migrate', '--json'], { cwd })
    expect(first.code).toBe(0)
    const { applied } = json<{ applied: string[] }>(first)
    expect(applied[0]).toBe('0001_users_and_api_tokens')
    expect(applied).toContain('0003_setup_codes')

    const second = await run(['migrate'], { cwd })
    expect(second).toMatchObject({ code: 0, stdout: 'The database is up to date.\n' })
  })

  it('a database it cannot open: exit 1, the driver’s reason, no password', async () => {
    const result = await run(
      ['migrate', '--database', 'postgres://keygate:pw-s3cret@127.0.0.1:1/keygate'],
      {
        cwd: freshDir(),
      },
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^keygate: .*ECONNREFUSED/)
    expect(result.stderr).not.toContain('pw-s3cret')
  })
})
