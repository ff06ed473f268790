import { join } from 'node:path'
import { createServer, openStore, type KeygateServer, type TokenSecretView } from '@keygate/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDir, json, run } from '../../test/run-keygate.js'

const PASSWORD = 'a long enough password'

/** What `keygate token create --json` prints: the server's answer, with the owner's id. */
type Created = TokenSecretView & { user_id: string }

describe('keygate token create | list | revoke | rotate [sqlite]', () => {
  const cwd = freshDir()
  const options = { cwd }
  let server: KeygateServer
  let url: string

  /** The status of GET /v1/users/me with `token`, asked of a real server on the same file. */
  async function check(token: string): Promise<number> {
    const response = await fetch(`${url}/v1/users/me`, {
      headers: { authorization: `Bearer ${token}` },
    })
    return response.status
  }

  beforeAll(async () => {
    const admin = await run(
      ['user', 'create', '--email', 'ops@example.com', '--role', 'admin', '--password-stdin'],
      { ...options, stdin: PASSWORD },
    )
    expect(admin.code).toBe(0)
    const user = await run(['user', 'create', '--email', 'ada@example.com', '--password-stdin'], {
      ...options,
      stdin: PASSWORD,
    })
    expect(user.code).toBe(0)
    // cache.ttlMs 0: every request asks the database, so revocations by the CLI show at once.
    server = await createServer({
      port: 0,
      logLevel: 'silent',
      cache: { ttlMs: 0, maxEntries: 0 },
      database: { url: `sqlite:${join(cwd, 'data', 'keygate.db')}` },
    })
    url = await server.listen({ host: '127.0.0.1', port: 0 })
  })

  afterAll(async () => {
    await server?.close()
  })

  it('creates a working token, printed once on stdout (human and --json)', async () => {
    const human = await run(
      [
        'token',
        'create',
        '--user',
        'ops@example.com',
        '--name',
        'laptop',
        '--scopes',
        'tokens:read,users:manage',
      ],
      options,
    )
    expect(human.code).toBe(0)
    expect(human.stderr).toBe('')
    const [, id, secret] =
      /^Created token (tok_\w+) for ops@example\.com\. Copy the secret now: it is not shown again\.\n\n {4}(kg_\w+)\n\n/.exec(
        human.stdout,
      ) ?? []
    expect(human.stdout.split(secret!).length - 1).toBe(1)
    expect(human.stdout).toMatch(/^scopes +tokens:read users:manage$/m)
    expect(id).toMatch(/^tok_/)
    expect(await check(secret!)).toBe(200)

    const machine = await run(
      [
        'token',
        'create',
        '--user',
        'ada@example.com',
        '--name',
        'ci',
        '--expires-in-days',
        '7',
        '--json',
      ],
      options,
    )
    expect(machine.code).toBe(0)
    const body = json<Created>(machine)
    expect(Object.keys(body)).toEqual([
      'id',
      'name',
      'token',
      'scopes',
      'created_at',
      'expires_at',
      'user_id',
    ])
    expect(body).toMatchObject({ name: 'ci', scopes: [] })
    const days = (Date.parse(body.expires_at) - Date.parse(body.created_at)) / 86_400_000
    expect(days).toBe(7)
    expect(await check(body.token)).toBe(200)
  })

  it('applies the same rules as the API: known, grantable scopes; expiry policy; unique names', async () => {
    const results = await Promise.all([
      run(
        [
          'token',
          'create',
          '--user',
          'ada@example.com',
          '--name',
          'x',
          '--scopes',
          'tokens:manage',
        ],
        options,
      ),
      run(
        ['token', 'create', '--user', 'ada@example.com', '--name', 'x', '--scopes', 'runs:read'],
        options,
      ),
      run(
        ['token', 'create', '--user', 'ada@example.com', '--name', 'x', '--expires-in-days', '31'],
        options,
      ),
      run(['token', 'create', '--user', 'ada@example.com', '--name', 'ci'], options),
      run(['token', 'create', '--user', 'nobody@example.com', '--name', 'x'], options),
      run(
        [
          'token',
          'create',
          '--user',
          'ada@example.com',
          '--name',
          'x',
          '--expires-in-days',
          'soon',
        ],
        options,
      ),
      run(['token', 'create', '--user', 'ada@example.com'], options),
    ])
    expect(results.map((r) => [r.code, r.stderr.split('\n')[0]])).toEqual([
      [1, 'keygate: role user may not grant scope tokens:manage'],
      [
        1,
        'keygate: unknown scope runs:read (known: tokens:read, tokens:write, tokens:manage, users:manage, audit:read)',
      ],
      [1, 'keygate: --expires-in-days must be between 1 and 30 (tokens.minDays, tokens.maxDays)'],
      [1, 'keygate: ada@example.com already has a live token named "ci"'],
      [1, 'keygate: no user nobody@example.com'],
      [2, 'keygate: --expires-in-days must be a whole number'],
      [2, 'keygate: --name is required'],
    ])
    for (const result of results) expect(result.stdout).toBe('')
  })

  it('lists metadata only, as a table and as JSON', async () => {
    const [table, all, mine] = await Promise.all([
      run(['token', 'list'], options),
      run(['token', 'list', '--json'], options),
      run(['token', 'list', '--user', 'ada@example.com', '--json'], options),
    ])
    expect(table.code).toBe(0)
    expect(table.stdout.split('\n')[0]).toMatch(
      /^ID +USER +NAME +HINT +SCOPES +EXPIRES +LAST USED +STATUS$/,
    )
    expect(table.stdout).toMatch(
      /^tok_\w+ +ops@example\.com +laptop +kg_…\w{4} +tokens:read,users:manage .* active$/m,
    )
    const listed = json<Record<string, unknown>[]>(all)
    expect(listed).toHaveLength(2)
    expect(Object.keys(listed[0]!)).toEqual([
      'id',
      'user_id',
      'name',
      'scopes',
      'hint',
      'created_at',
      'expires_at',
      'last_used_at',
      'revoked_at',
      'previous_token_expires_at',
      'is_revoked',
      'is_expired',
    ])
    expect(JSON.stringify(listed)).not.toMatch(/kg_[A-Za-z0-9]{20,}/)
    expect(json<{ name: string }[]>(mine).map((t) => t.name)).toEqual(['ci'])
  })

  it('rotates (the old secret keeps its grace period) and revokes', async () => {
    const created = json<Created>(
      await run(
        ['token', 'create', '--user', 'ada@example.com', '--name', 'rotate-me', '--json'],
        options,
      ),
    )
    const rotated = await run(['token', 'rotate', created.id, '--json'], options)
    expect(rotated.code).toBe(0)
    const body = json<Created & { previous_token_expires_at: string }>(rotated)
    expect(body.id).toBe(created.id)
    expect(body.token).not.toBe(created.token)
    expect(Date.parse(body.previous_token_expires_at) - Date.now()).toBeGreaterThan(3500_000)
    expect(await check(body.token)).toBe(200)
    expect(await check(created.token)).toBe(200)

    const hard = await run(['token', 'rotate', created.id, '--grace-seconds', '0'], options)
    expect(hard.code).toBe(0)
    const [, newest] = /^ {4}(kg_\w+)$/m.exec(hard.stdout) ?? []
    expect(await check(body.token)).toBe(401)
    expect(await check(newest!)).toBe(200)

    const revoked = await run(['token', 'revoke', created.id, '--json'], options)
    expect(revoked.code).toBe(0)
    expect(json(revoked)).toMatchObject({ id: created.id, is_revoked: true })
    expect(await check(newest!)).toBe(401)

    const [again, rotateRevoked, missing, tooLong] = await Promise.all([
      run(['token', 'revoke', created.id], options),
      run(['token', 'rotate', created.id], options),
      run(['token', 'revoke', 'tok_nope'], options),
      run(['token', 'rotate', created.id, '--grace-seconds', '999999999'], options),
    ])
    expect(again).toMatchObject({
      code: 0,
      stdout: `Token ${created.id} (rotate-me) was already revoked.\n`,
    })
    expect(rotateRevoked).toMatchObject({
      code: 1,
      stderr: `keygate: token ${created.id} is revoked\n`,
    })
    expect(missing).toMatchObject({ code: 1, stderr: 'keygate: no token tok_nope\n' })
    expect(tooLong.stderr).toBe(
      'keygate: --grace-seconds must be at most 604800 (tokens.maxRotationGraceSeconds)\n',
    )
  })

  it('writes rotations and revocations to the revocation stream’s backlog', async () => {
    const store = await openStore({ url: `sqlite:${join(cwd, 'data', 'keygate.db')}` })
    try {
      const events = await store.revocationEvents.listAfter(0, 100)
      const types = new Set(events.map((e) => e.type))
      expect(types).toContain('token.rotated')
      expect(types).toContain('token.revoked')
      const rotation = events.find((e) => e.type === 'token.rotated')!
      expect(rotation.subjectId).toMatch(/^tok_/)
      expect(rotation.graceUntil).toBeInstanceOf(Date)
    } finally {
      await store.close()
    }
  })

  it('records every change in the audit log as the system, via the CLI', async () => {
    const store = await openStore({ url: `sqlite:${join(cwd, 'data', 'keygate.db')}` })
    try {
      const { items } = await store.audit.list({ limit: 100 })
      const actions = items.map((e) => e.action)
      for (const action of ['user.created', 'token.created', 'token.rotated', 'token.revoked']) {
        expect(actions).toContain(action)
      }
      for (const event of items) {
        expect(event.actor).toEqual({ kind: 'system', id: null })
        expect(event.details.via).toBe('cli')
      }
      const created = items.find((e) => e.action === 'token.created')!
      expect(created.tokenId).toMatch(/^tok_/)
      expect(Object.keys(created.details).sort()).toEqual(['expires_at', 'name', 'scopes', 'via'])
      expect(JSON.stringify(items)).not.toMatch(/kg_[A-Za-z0-9]{20,}/)
    } finally {
      await store.close()
    }
  })
})
