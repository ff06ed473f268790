/**
 * Nobody locks everyone out (SPEC §6 users): the "not your own user" guard compares canonical
 * ids (an upper-case id is still one's own), and the last active admin is never demoted or
 * disabled, whoever asks — two admins demoting each other at once, the external-auth upsert, the
 * CLI — answered `409 conflict`. Black-box over HTTP, both backends.
 */
import { expect, it } from 'vitest'
import { forEachBackend, useHarness, type Harness } from './harness.js'

const INTERNAL = 'internal-token-0123456789abcdefghijklmnopqrstuv'
const ADMIN_SCOPES = ['users:manage', 'tokens:read']

async function activeAdmins(h: Harness): Promise<number> {
  let count = 0
  let cursor: string | undefined
  do {
    const page = await h.store.users.list({ cursor, limit: 100 })
    count += page.items.filter((u) => u.role === 'admin' && !u.disabled).length
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return count
}

forEachBackend('the last admin', (backend) => {
  const h = useHarness(backend, {
    externalAuth: { enabled: true, internalToken: INTERNAL, actor: 'auth-backend' },
  })
  const patch = (token: string, id: string, body: unknown) =>
    h().request('PATCH', `/v1/users/${id}`, { token, body })

  it('one’s own id in upper case is still one’s own: 400, nothing changes', async () => {
    const { token } = await h().token(h().admin.email, { scopes: ADMIN_SCOPES })
    for (const body of [{ role: 'user' }, { disabled: true }]) {
      const response = await patch(token, h().admin.id.toUpperCase(), body)
      expect(response.status).toBe(400)
      expect(((await response.json()) as { errors: unknown[] }).errors).toEqual([
        {
          path: 'role' in body ? '/role' : '/disabled',
          message: 'cannot be changed on your own user',
        },
      ])
    }
    expect(await h().store.users.findById(h().admin.id)).toMatchObject({
      role: 'admin',
      disabled: false,
    })
  })

  it('two admins demoting each other at once: one wins, one admin is left', async () => {
    // Leave exactly two active admins: the harness's and this one.
    const other = await h().user('second-admin@example.com', 'admin')
    expect(await activeAdmins(h())).toBe(2)
    const mine = await h().token(h().admin.email, { scopes: ADMIN_SCOPES })
    const theirs = await h().token(other.email, { scopes: ADMIN_SCOPES })
    const [a, b] = await Promise.all([
      patch(mine.token, other.id, { role: 'user' }),
      patch(theirs.token, h().admin.id, { role: 'user' }),
    ])
    const statuses = [a.status, b.status].sort()
    expect(statuses[0]).toBe(200)
    // Refused: the last admin (409), or its token already revoked by the demotion (401/403).
    expect([401, 403, 409]).toContain(statuses[1])
    expect(await activeAdmins(h())).toBe(1)
    // Restore the harness admin for the next test if it was the one demoted.
    await h().store.users.update(h().admin.id, { role: 'admin' })
    await h().store.users.update(other.id, { role: 'user' })
  })

  it('the last active admin: a disable by another admin is fine while one remains; a role sent by external auth is 409', async () => {
    expect(await activeAdmins(h())).toBe(1)
    const response = await h().request('PUT', `/v1/internal/users/${h().admin.id}`, {
      token: INTERNAL,
      headers: { 'x-on-behalf-of': h().admin.id },
      body: { email: h().admin.email, slug: 'root', role: 'user' },
    })
    expect(response.status).toBe(409)
    expect(await response.json()).toMatchObject({
      code: 'conflict',
      detail: 'This is the last active admin: make another user an admin before changing this role',
    })
    expect(await activeAdmins(h())).toBe(1)

    // With a second admin, the first may be disabled by them.
    const helper = await h().user('helper-admin@example.com', 'admin')
    const { token } = await h().token(helper.email, { scopes: ADMIN_SCOPES })
    const spare = await h().user('spare-admin@example.com', 'admin')
    expect((await patch(token, spare.id, { disabled: true })).status).toBe(200)
    expect(await activeAdmins(h())).toBe(2)
  })
})
