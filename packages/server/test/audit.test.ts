import { describe, expect, it } from 'vitest'
import { openStore } from '../src/store/index.js'
import type { Store } from '../src/store/types.js'
import {
  createDatabase,
  forEachBackend,
  PASSWORD,
  startHarness,
  useHarness,
  type Harness,
} from './harness.js'

type Event = {
  id: string
  at: string
  action: string
  actor: { kind: string; id: string | null }
  user_id: string | null
  token_id: string | null
  client_ip: string | null
  request_id: string | null
  details: Record<string, unknown>
}

async function events(h: Harness, token: string, query = ''): Promise<Event[]> {
  const out: Event[] = []
  let cursor: string | null = null
  do {
    const sep = query === '' ? '?' : `?${query}&`
    const path: string =
      cursor === null
        ? `/v1/audit${sep}limit=2`
        : `/v1/audit${sep}limit=2&cursor=${encodeURIComponent(cursor)}`
    const response = await h.request('GET', path, { token })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { items: Event[]; next_cursor: string | null }
    expect(body.items.length).toBeLessThanOrEqual(2)
    out.push(...body.items)
    cursor = body.next_cursor
  } while (cursor !== null)
  return out
}

forEachBackend('audit log', (backend) => {
  const h = useHarness(backend)

  it('records token, login and user events with actor, ids, IP and request id', async () => {
    const admin = await h().token('admin@example.com', {
      scopes: ['audit:read', 'users:manage', 'tokens:manage'],
    })
    const ada = await h().user('ada@example.com')

    const created = await h().request('POST', '/v1/auth/tokens', {
      body: { email: 'ada@example.com', password: PASSWORD, name: 'ci', scopes: ['tokens:write'] },
    })
    expect(created.status).toBe(201)
    const token = (await created.json()) as { id: string; token: string; expires_at: string }
    const rotated = await h().request('POST', `/v1/auth/tokens/${token.id}/rotate`, {
      token: token.token,
      body: { grace_period_seconds: 0 },
    })
    expect(rotated.status).toBe(200)
    const { token: secret } = (await rotated.json()) as { token: string }
    const wrong = await h().request('POST', '/v1/auth/tokens', {
      body: { email: 'ada@example.com', password: 'not the password', name: 'x' },
    })
    expect(wrong.status).toBe(401)
    const unknown = await h().request('POST', '/v1/auth/tokens', {
      body: { email: 'nobody@example.com', password: 'not the password', name: 'x' },
    })
    expect(unknown.status).toBe(401)
    const revoked = await h().request('DELETE', `/v1/auth/tokens/${token.id}`, {
      token: admin.token,
    })
    expect(revoked.status).toBe(204)
    // Revoking again is a no-op, and records nothing.
    await h().request('DELETE', `/v1/auth/tokens/${token.id}`, { token: admin.token })
    const changed = await h().request('PATCH', `/v1/users/${ada.id}`, {
      token: admin.token,
      body: { role: 'admin' },
    })
    expect(changed.status).toBe(200)
    const bob = await h().request('POST', '/v1/users', {
      token: admin.token,
      body: { email: 'bob@example.com', password: PASSWORD, role: 'user' },
    })
    expect(bob.status).toBe(201)
    const bobId = ((await bob.json()) as { id: string }).id

    const adaEvents = await events(h(), admin.token, `user_id=${ada.id}`)
    const adminId = h().admin.id
    expect(
      adaEvents.map((e) => [e.action, e.actor.kind, e.actor.id, e.token_id, e.details]),
    ).toEqual([
      [
        'user.changed',
        'user',
        adminId,
        null,
        { role: { from: 'user', to: 'admin' }, revoked_tokens: 0 },
      ],
      ['token.revoked', 'user', adminId, token.id, {}],
      ['login.failed', 'anonymous', null, null, { via: 'token', reason: 'wrong_password' }],
      [
        'token.rotated',
        'user',
        ada.id,
        token.id,
        { previous_token_expires_at: expect.any(String) },
      ],
      [
        'token.created',
        'user',
        ada.id,
        token.id,
        { name: 'ci', scopes: ['tokens:write'], expires_at: token.expires_at },
      ],
      ['login.succeeded', 'user', ada.id, null, { via: 'token' }],
    ])
    for (const event of adaEvents) {
      expect(event.user_id).toBe(ada.id)
      expect(event.client_ip).toBe('127.0.0.1')
      expect(event.id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      )
      expect(Date.parse(event.at)).toBeGreaterThan(0)
    }
    const requestIds = adaEvents.map((e) => e.request_id)
    expect(requestIds.slice(0, 4)).toEqual([
      changed.headers.get('x-request-id'),
      revoked.headers.get('x-request-id'),
      wrong.headers.get('x-request-id'),
      rotated.headers.get('x-request-id'),
    ])
    expect(requestIds[4]).toBe(created.headers.get('x-request-id'))

    const failed = await events(h(), admin.token, 'action=login.failed')
    expect(failed.map((e) => [e.user_id, e.details.reason])).toEqual([
      [null, 'unknown_email'],
      [ada.id, 'wrong_password'],
    ])
    expect(failed[0]!.request_id).toBe(unknown.headers.get('x-request-id'))
    const users = await events(h(), admin.token, 'action=user.created')
    expect(users.map((e) => [e.user_id, e.actor.id, e.details])).toEqual([
      [bobId, adminId, { role: 'user' }],
    ])
    // By actor: what the admin did.
    const byAdmin = await events(h(), admin.token, `actor_id=${adminId}`)
    expect(byAdmin.map((e) => e.action)).toEqual([
      'user.created',
      'user.changed',
      'token.revoked',
      'token.created',
      'login.succeeded',
    ])

    // Nothing secret in the log: not the tokens, not the password, not the attempted email.
    const text = JSON.stringify(await events(h(), admin.token))
    for (const forbidden of [token.token, secret, admin.token, PASSWORD, 'nobody@example.com']) {
      expect(text).not.toContain(forbidden)
    }
  })

  it('records a password change, and a wrong current password as login.failed', async () => {
    const carol = await h().user('carol@example.com')
    const { token } = await h().token('carol@example.com')
    const admin = await h().token('admin@example.com', { scopes: ['audit:read'] })
    const bad = await h().request('PUT', '/v1/users/me/password', {
      token,
      body: { current_password: 'nope nope nope', new_password: 'a brand new password' },
    })
    expect(bad.status).toBe(400)
    const good = await h().request('PUT', '/v1/users/me/password', {
      token,
      body: { current_password: PASSWORD, new_password: 'a brand new password' },
    })
    expect(good.status).toBe(204)
    const list = await events(h(), admin.token, `user_id=${carol.id}`)
    expect(list.slice(0, 2).map((e) => [e.action, e.actor.id, e.details])).toEqual([
      ['user.changed', carol.id, { password: 'changed' }],
      ['login.failed', null, { via: 'password_change', reason: 'wrong_password' }],
    ])
    expect(JSON.stringify(list)).not.toContain('a brand new password')
  })

  it('filters by time: since inclusive, until exclusive', async () => {
    const admin = await h().token('admin@example.com', { scopes: ['audit:read'] })
    const all = await events(h(), admin.token)
    expect(all.length).toBeGreaterThan(3)
    const newest = all[0]!
    const oldest = all[all.length - 1]!
    const since = await events(h(), admin.token, `since=${encodeURIComponent(newest.at)}`)
    expect(since.map((e) => e.id)).toContain(newest.id)
    expect(since.every((e) => Date.parse(e.at) >= Date.parse(newest.at))).toBe(true)
    const until = await events(h(), admin.token, `until=${encodeURIComponent(oldest.at)}`)
    expect(until).toEqual([])
    const window = await events(
      h(),
      admin.token,
      `since=${encodeURIComponent(oldest.at)}&until=${encodeURIComponent('2999-01-01T00:00:00+01:00')}`,
    )
    expect(window.map((e) => e.id)).toEqual(all.map((e) => e.id))
  })

  it('needs audit:read, and validates every filter (problem+json)', async () => {
    await h().user('dave@example.com')
    const user = await h().token('dave@example.com', { scopes: ['tokens:read'] })
    const admin = await h().token('admin@example.com', { scopes: ['audit:read'] })
    expect((await h().request('GET', '/v1/audit')).status).toBe(401)
    const forbidden = await h().request('GET', '/v1/audit', { token: user.token })
    expect(forbidden.status).toBe(403)
    expect(forbidden.headers.get('www-authenticate')).toContain('scope="audit:read"')
    // A user cannot even ask for the scope: only roles that may grant it (admin) can.
    const denied = await h().request('POST', '/v1/auth/tokens', {
      body: { email: 'dave@example.com', password: PASSWORD, name: 'a', scopes: ['audit:read'] },
    })
    expect(denied.status).toBe(403)
    expect(await denied.json()).toMatchObject({ code: 'scope_not_allowed' })

    const cases: [string, string][] = [
      ['action=token.deleted', '/action'],
      ['user_id=not-a-uuid', '/user_id'],
      ['since=yesterday', '/since'],
      ['until=2030-01-01T00:00:00', '/until'],
      ['since=2030-01-02T00:00:00Z&until=2030-01-01T00:00:00Z', '/until'],
      ['limit=0', '/limit'],
      ['cursor=garbage', '/cursor'],
      ['user=x', '/user'],
    ]
    for (const [query, path] of cases) {
      const response = await h().request('GET', `/v1/audit?${query}`, { token: admin.token })
      expect(response.status, query).toBe(400)
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      const body = (await response.json()) as { code: string; errors: { path: string }[] }
      expect(body.code).toBe('validation_failed')
      expect(body.errors.map((e) => e.path)).toContain(path)
    }
  })
})

forEachBackend('audit log: a failed write', (backend) => {
  it('keeps the change, logs the failure (never its message) and counts it', async () => {
    const database = await createDatabase(backend)
    const real = await openStore({ url: database.url, schema: database.schema })
    const store: Store = {
      ...real,
      audit: {
        append: () => Promise.reject(new Error('disk full while writing secret=hunter2')),
        list: (options) => real.audit.list(options),
      },
    }
    const h = await startHarness(backend, { metrics: { processMetrics: false } }, { store })
    try {
      await h.user('erin@example.com')
      const { token, id } = await h.token('erin@example.com', { scopes: ['tokens:read'] })
      expect((await h.request('GET', '/v1/auth/tokens', { token })).status).toBe(200)
      expect((await real.tokens.findById(id))?.name).toBeDefined()
      const failures = h.logs
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === 'audit event not written')
      expect(failures.map((f) => f.action)).toEqual(['login.succeeded', 'token.created'])
      expect(failures[0]).toMatchObject({ level: 40, error: 'Error', reqId: expect.any(String) })
      expect(h.logs.join('\n')).not.toContain('hunter2')
      const metrics = await (await h.request('GET', '/metrics')).text()
      expect(metrics).toContain('keygate_audit_write_failures_total 2')
    } finally {
      await h.close()
    }
  })
})

describe('audit log: routes', () => {
  it('documents the actions it accepts', async () => {
    const { AUDIT_ACTIONS } = await import('../src/audit/index.js')
    expect(AUDIT_ACTIONS).toEqual([
      'token.created',
      'token.rotated',
      'token.revoked',
      'login.succeeded',
      'login.failed',
      'user.created',
      'user.changed',
      'setup.completed',
    ])
  })
})
