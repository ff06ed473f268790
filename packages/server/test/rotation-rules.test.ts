/**
 * Rotation never hands a credential more than it holds (SPEC §5, docs/api-tokens.md#rotation):
 * only a token whose scopes the caller holds; an API token whose own rotation grace period runs
 * (its rotated-away secret, or its new one) rotates nothing; and a token whose previous secret is
 * still valid is not rotated again (`409 conflict`) — the first grace secret is never dropped
 * silently. Sessions (a fresh password login) may rotate any token their
 * owner's role covers. Black-box over HTTP, both backends.
 */
import { expect, it } from 'vitest'
import { forEachBackend, useHarness, type Harness } from './harness.js'
import { sessionToken } from './sessions-helpers.js'

type Rotated = { token: string; previous_token_expires_at: string }

async function rotate(
  h: Harness,
  as: string,
  id: string,
  body: Record<string, unknown> = {},
): Promise<{ status: number; body: Rotated & { code?: string; detail?: string } }> {
  const response = await h.request('POST', `/v1/auth/tokens/${id}/rotate`, { token: as, body })
  return { status: response.status, body: (await response.json()) as never }
}

const status = async (h: Harness, token: string, path: string) =>
  (await h.request('GET', path, { token })).status

forEachBackend('rotation rules', (backend) => {
  const h = useHarness(backend)

  it('a token without users:manage cannot rotate its sibling that has it (403), and learns no secret', async () => {
    const admin = await h().user('sibling-admin@example.com', 'admin')
    const narrow = await h().token(admin.email, { scopes: ['tokens:read', 'tokens:write'] })
    const wide = await h().token(admin.email, { scopes: ['users:manage', 'tokens:read'] })
    const refused = await rotate(h(), narrow.token, wide.id)
    expect(refused.status).toBe(403)
    expect(refused.body.code).toBe('insufficient_scope')
    expect(refused.body.token).toBeUndefined()
    expect(await status(h(), wide.token, '/v1/users')).toBe(200) // untouched
    expect(await status(h(), narrow.token, '/v1/users')).toBe(403)
  })

  it('tokens:manage alone cannot rotate another user’s token that carries more', async () => {
    const manager = await h().user('manager@example.com', 'admin')
    const other = await h().user('other-admin@example.com', 'admin')
    const manage = await h().token(manager.email, { scopes: ['tokens:manage'] })
    const theirs = await h().token(other.email, { scopes: ['users:manage'] })
    const refused = await rotate(h(), manage.token, theirs.id)
    expect(refused.status).toBe(403)
    expect(refused.body.code).toBe('insufficient_scope')
    expect(await status(h(), theirs.token, '/v1/users')).toBe(200)
    // Within what it holds, it may: a token of theirs with tokens:manage only.
    const same = await h().token(other.email, { scopes: ['tokens:manage'] })
    expect((await rotate(h(), manage.token, same.id)).status).toBe(200)
  })

  it('a token rotates itself, and a sibling within its scopes', async () => {
    await h().user('siblings@example.com')
    const writer = await h().token('siblings@example.com', {
      scopes: ['tokens:read', 'tokens:write'],
      expires_in_days: 1,
    })
    const reader = await h().token('siblings@example.com', { scopes: ['tokens:read'] })
    expect((await rotate(h(), writer.token, reader.id, { grace_period_seconds: 0 })).status).toBe(
      200,
    )
    const self = await rotate(h(), writer.token, writer.id, { grace_period_seconds: 0 })
    expect(self.status).toBe(200)
    expect(await status(h(), self.body.token, '/v1/auth/tokens')).toBe(200)
  })

  it('a rotated-away secret in its grace period cannot rotate again, nor rotate a sibling', async () => {
    await h().user('grace@example.com')
    const t = await h().token('grace@example.com', { scopes: ['tokens:read', 'tokens:write'] })
    const sibling = await h().token('grace@example.com', { scopes: ['tokens:read'] })
    const first = await rotate(h(), t.token, t.id, { grace_period_seconds: 3600 })
    expect(first.status).toBe(200)
    // The old secret still works for reading …
    expect(await status(h(), t.token, '/v1/auth/tokens')).toBe(200)
    // … but cannot kill the owner's new secret with a rotation of its own.
    const again = await rotate(h(), t.token, t.id, { grace_period_seconds: 0 })
    expect(again.status).toBe(409)
    expect(again.body.token).toBeUndefined()
    expect(await status(h(), first.body.token, '/v1/auth/tokens')).toBe(200)
    // Nor trade itself for a sibling's long-lived secret.
    const trade = await rotate(h(), t.token, sibling.id)
    expect(trade.status).toBe(403)
    expect(trade.body.detail).toBe(
      `A token cannot rotate while its own previous secret is valid (until ${first.body.previous_token_expires_at})`,
    )
    expect(await status(h(), sibling.token, '/v1/auth/tokens')).toBe(200)
    // The new secret cannot either while the old one is valid (their principals look alike).
    expect((await rotate(h(), first.body.token, sibling.id)).status).toBe(403)
  })

  it('rotating twice while the first grace period runs is 409 conflict: the first old secret is not dropped', async () => {
    await h().user('twice@example.com')
    const t = await h().token('twice@example.com', { scopes: ['tokens:read', 'tokens:write'] })
    const first = await rotate(h(), t.token, t.id, { grace_period_seconds: 3600 })
    expect(first.status).toBe(200)
    const second = await rotate(h(), first.body.token, t.id)
    expect(second.status).toBe(409)
    expect(second.body.code).toBe('conflict')
    expect(second.body.detail).toContain(first.body.previous_token_expires_at)
    expect(await status(h(), t.token, '/v1/auth/tokens')).toBe(200) // the first old secret
    expect(await status(h(), first.body.token, '/v1/auth/tokens')).toBe(200)
    // With no grace period nothing is pending: the next rotation goes through.
    const noGrace = await h().token('twice@example.com', {
      scopes: ['tokens:read', 'tokens:write'],
    })
    const once = await rotate(h(), noGrace.token, noGrace.id, { grace_period_seconds: 0 })
    expect(once.status).toBe(200)
    expect((await rotate(h(), once.body.token, noGrace.id)).status).toBe(200)
  })

  it('a session (a password login) rotates any token its owner’s role covers', async () => {
    const admin = await h().user('console-admin@example.com', 'admin')
    const wide = await h().token(admin.email, { scopes: ['users:manage', 'tokens:manage'] })
    const session = await sessionToken(h(), admin.email)
    const rotated = await rotate(h(), session, wide.id, { grace_period_seconds: 0 })
    expect(rotated.status).toBe(200)
    expect(await status(h(), rotated.body.token, '/v1/users')).toBe(200)
  })
})
