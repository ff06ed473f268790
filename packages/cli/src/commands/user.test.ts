import { join } from 'node:path'
import { createServer } from '@keygate/server'
import { describe, expect, it } from 'vitest'
import { freshDir, json, run } from '../../test/run-keygate.js'

const PASSWORD = 'a long enough password'

describe('keygate user create | list | disable [sqlite]', () => {
  const cwd = freshDir()
  const options = { cwd }

  it('creates users with the password from stdin, never from argv', async () => {
    const admin = await run(
      ['user', 'create', '--email', 'Ops@Example.com', '--role', 'admin', '--password-stdin'],
      { ...options, stdin: `${PASSWORD}\n` },
    )
    expect(admin.code).toBe(0)
    expect(admin.stdout).toMatch(/^Created user ops@example\.com\.\n\nid +[0-9a-f-]{36}\n/)
    expect(admin.stdout).toMatch(/^role +admin$/m)

    const user = await run(
      ['user', 'create', '--email', 'ada@example.com', '--password-stdin', '--json'],
      {
        ...options,
        stdin: PASSWORD,
      },
    )
    expect(user.code).toBe(0)
    const created = json<Record<string, unknown>>(user)
    expect(Object.keys(created)).toEqual([
      'id',
      'email',
      'role',
      'disabled',
      'created_at',
      'updated_at',
    ])
    expect(created).toMatchObject({ email: 'ada@example.com', role: 'user', disabled: false })

    // The user signs in with the password as piped (the trailing newline dropped).
    const server = await createServer({
      port: 0,
      logLevel: 'silent',
      database: { url: `sqlite:${join(cwd, 'data', 'keygate.db')}` },
    })
    try {
      const url = await server.listen({ host: '127.0.0.1', port: 0 })
      const login = await fetch(`${url}/v1/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ops@example.com', password: PASSWORD, name: 'check' }),
      })
      expect(login.status).toBe(201)
    } finally {
      await server.close()
    }
  })

  it('refuses what it cannot do: exit 1 naming the problem, exit 2 for a wrong command line', async () => {
    const [duplicate, role, short, noStdinFlag, passwordFlag, empty] = await Promise.all([
      run(['user', 'create', '--email', 'ada@example.com', '--password-stdin'], {
        ...options,
        stdin: PASSWORD,
      }),
      run(['user', 'create', '--email', 'bob@example.com', '--role', 'root', '--password-stdin'], {
        ...options,
        stdin: PASSWORD,
      }),
      run(['user', 'create', '--email', 'bob@example.com', '--password-stdin'], {
        ...options,
        stdin: 'short',
      }),
      run(['user', 'create', '--email', 'bob@example.com'], options),
      run(['user', 'create', '--email', 'bob@example.com', '--password=hunter22'], options),
      run(['user', 'create', '--email', 'bob@example.com', '--password-stdin'], {
        ...options,
        stdin: '',
      }),
    ])
    expect(duplicate).toMatchObject({
      code: 1,
      stderr: 'keygate: email: already exists\n',
      stdout: '',
    })
    expect(role).toMatchObject({ code: 1, stderr: 'keygate: role: unknown role\n' })
    expect(short).toMatchObject({
      code: 1,
      stderr: 'keygate: password: must be 8-128 characters\n',
    })
    expect(noStdinFlag.code).toBe(2)
    expect(noStdinFlag.stderr).toBe(
      'keygate: --password-stdin is required: the password is read from standard input, never from the command line\n' +
        'Usage: keygate user create --email <email> [--role <role>] --password-stdin\n' +
        "Run 'keygate user create --help' for details.\n",
    )
    expect(passwordFlag.code).toBe(2)
    expect(passwordFlag.stderr).toContain(
      'keygate: unknown flag --password (the password is read from standard input: --password-stdin)',
    )
    expect(passwordFlag.stderr).not.toContain('hunter22')
    expect(empty).toMatchObject({ code: 1, stderr: 'keygate: the password on stdin is empty\n' })
  })

  it('lists users as a table and as JSON', async () => {
    const [table, listed] = await Promise.all([
      run(['user', 'list'], options),
      run(['user', 'list', '--json'], options),
    ])
    expect(table.code).toBe(0)
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^ID +EMAIL +ROLE +STATUS +CREATED$/)
    expect(lines.slice(1).map((l) => l.split(/ +/).slice(1, 4))).toEqual([
      ['ada@example.com', 'user', 'active'],
      ['ops@example.com', 'admin', 'active'],
    ])
    expect(json<{ email: string }[]>(listed).map((u) => u.email)).toEqual([
      'ada@example.com',
      'ops@example.com',
    ])
  })

  it('disables a user by email or id and revokes their tokens; again is a no-op', async () => {
    const token = await run(
      ['token', 'create', '--user', 'ada@example.com', '--name', 'laptop', '--json'],
      options,
    )
    expect(token.code).toBe(0)

    const disabled = await run(['user', 'disable', 'ADA@example.com', '--json'], options)
    expect(disabled.code).toBe(0)
    const body = json<{ user: { id: string; disabled: boolean }; revoked_tokens: number }>(disabled)
    expect(body).toMatchObject({ user: { disabled: true }, revoked_tokens: 1 })

    const again = await run(['user', 'disable', body.user.id], options)
    expect(again).toMatchObject({ code: 0, stdout: 'User ada@example.com is already disabled.\n' })

    const [missing, noArgument, tooMany] = await Promise.all([
      run(['user', 'disable', 'nobody@example.com'], options),
      run(['user', 'disable'], options),
      run(['user', 'disable', 'a', 'b'], options),
    ])
    expect(missing).toMatchObject({ code: 1, stderr: 'keygate: no user nobody@example.com\n' })
    expect(noArgument.code).toBe(2)
    expect(noArgument.stderr).toMatch(
      /^keygate: missing <id\|email>\nUsage: keygate user disable <id\|email>/,
    )
    expect(tooMany.code).toBe(2)
    expect(tooMany.stderr).toMatch(/^keygate: unexpected argument "b"\n/)
  })

  it('never disables the last active admin: exit 1, and the admin stays', async () => {
    const refused = await run(['user', 'disable', 'ops@example.com'], options)
    expect(refused).toMatchObject({
      code: 1,
      stderr:
        'keygate: ops@example.com is the last active admin; make another user an admin first (nobody could manage users otherwise)\n',
    })
    const listed = json<{ email: string; disabled: boolean }[]>(
      await run(['user', 'list', '--json'], options),
    )
    expect(listed.find((u) => u.email === 'ops@example.com')?.disabled).toBe(false)
  })
})
