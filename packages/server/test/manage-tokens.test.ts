import { afterEach, expect, it, vi } from 'vitest'
import { comparable, forEachBackend, reopen, startHarness, useHarness } from './harness.js'

afterEach(() => {
  vi.useRealTimers()
})

forEachBackend('token lifecycle: list, revoke, rotate', (backend) => {
  const h = useHarness(backend)

  it('GET /v1/auth/tokens lists the caller’s tokens, metadata only, newest first, with flags', async () => {
    await h().user('lister@example.com')
    await h().user('other@example.com')
    const first = await h().token('lister@example.com', { name: 'first', scopes: ['tokens:read'] })
    const second = await h().token('lister@example.com', {
      name: 'second',
      scopes: ['tokens:read', 'tokens:write'],
    })
    await h().token('other@example.com', { name: 'not mine' })
    await h().request('DELETE', `/v1/auth/tokens/${first.id}`, { token: second.token })

    const response = await h().request('GET', '/v1/auth/tokens', { token: second.token })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const text = await response.text()
    expect(text).not.toContain(first.token)
    expect(text).not.toContain(second.token)
    const body = JSON.parse(text)
    expect(body.next_cursor).toBeNull()
    expect(body.items.map((t: { name: string }) => t.name)).toEqual(['second', 'first'])
    const [newest, revoked] = body.items
    expect(Object.keys(newest).sort()).toEqual([
      'created_at',
      'expires_at',
      'hint',
      'id',
      'is_expired',
      'is_revoked',
      'last_used_at',
      'name',
      'previous_token_expires_at',
      'revoked_at',
      'scopes',
      'user_id',
    ])
    expect(newest).toMatchObject({
      id: second.id,
      is_revoked: false,
      is_expired: false,
      revoked_at: null,
      previous_token_expires_at: null,
      hint: `kg_…${second.token.slice(-4)}`,
    })
    expect(revoked).toMatchObject({ id: first.id, is_revoked: true, is_expired: false })
    expect(Date.parse(revoked.revoked_at)).toBeGreaterThan(0)
  })

  it('paginates with an opaque cursor', async () => {
    await h().user('pager@example.com')
    const { token } = await h().token('pager@example.com', { name: 'p0', scopes: ['tokens:read'] })
    for (let i = 1; i < 5; i++) await h().token('pager@example.com', { name: `p${i}` })
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const query: string =
        cursor === null ? '?limit=2' : `?limit=2&cursor=${encodeURIComponent(cursor)}`
      const response = await h().request('GET', `/v1/auth/tokens${query}`, { token })
      expect(response.status).toBe(200)
      const body = await response.json()
      seen.push(...body.items.map((t: { name: string }) => t.name))
      cursor = body.next_cursor
      pages++
    } while (cursor !== null)
    expect(seen).toEqual(['p4', 'p3', 'p2', 'p1', 'p0'])
    expect(pages).toBe(3)

    const bad = await h().request('GET', '/v1/auth/tokens?cursor=garbage', { token })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ path: '/cursor' }],
    })
    for (const query of ['?limit=0', '?limit=101', '?limit=x', '?all=yes', '?extra=1']) {
      expect((await h().request('GET', `/v1/auth/tokens${query}`, { token })).status).toBe(400)
    }
  })

  it('?all=true needs tokens:manage (403 insufficient_scope), and then lists every user’s tokens', async () => {
    await h().user('plain@example.com')
    const plain = await h().token('plain@example.com', { scopes: ['tokens:read'] })
    const refused = await h().request('GET', '/v1/auth/tokens?all=true', { token: plain.token })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="keygate", error="insufficient_scope", error_description="Required scope: tokens:read tokens:manage", scope="tokens:read tokens:manage"',
    )
    expect((await refused.json()).code).toBe('insufficient_scope')

    const admin = await h().token('admin@example.com', { scopes: ['tokens:read', 'tokens:manage'] })
    const all = await h().request('GET', '/v1/auth/tokens?all=true&limit=100', {
      token: admin.token,
    })
    expect(all.status).toBe(200)
    const owners = new Set((await all.json()).items.map((t: { user_id: string }) => t.user_id))
    expect(owners.size).toBeGreaterThan(2)
  })

  it('GET /v1/auth/tokens without tokens:read is 403 with the scope in the challenge', async () => {
    await h().user('noscope@example.com')
    const { token } = await h().token('noscope@example.com', { scopes: [] })
    const response = await h().request('GET', '/v1/auth/tokens', { token })
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toContain('scope="tokens:read"')
  })

  it('DELETE /v1/auth/tokens/current revokes the token presented: refused on the next request', async () => {
    await h().user('self@example.com')
    const { token, id } = await h().token('self@example.com', { scopes: ['tokens:read'] })
    // Warm the verification cache first: revocation must not wait for it.
    expect((await h().request('GET', '/v1/auth/tokens', { token })).status).toBe(200)
    const revoke = await h().request('DELETE', '/v1/auth/tokens/current', { token })
    expect(revoke.status).toBe(204)
    expect(await revoke.text()).toBe('')
    const next = await h().request('GET', '/v1/auth/tokens', { token })
    expect(next.status).toBe(401)
    expect(next.headers.get('www-authenticate')).toBe(
      'Bearer realm="keygate", error="invalid_token", error_description="The token has been revoked"',
    )
    expect((await h().store.tokens.findById(id))?.revokedAt).toBeInstanceOf(Date)
    // Revoking again with it is refused too: the token is dead.
    expect((await h().request('DELETE', '/v1/auth/tokens/current', { token })).status).toBe(401)
  })

  it('DELETE /v1/auth/tokens/{id}: the owner with tokens:write, 204, idempotent; refused at once', async () => {
    await h().user('owner@example.com')
    const manager = await h().token('owner@example.com', { scopes: ['tokens:write'] })
    const victim = await h().token('owner@example.com', { scopes: ['tokens:read'] })
    expect((await h().request('GET', '/v1/auth/tokens', { token: victim.token })).status).toBe(200)
    expect(
      (await h().request('DELETE', `/v1/auth/tokens/${victim.id}`, { token: manager.token }))
        .status,
    ).toBe(204)
    expect(
      (await h().request('DELETE', `/v1/auth/tokens/${victim.id}`, { token: manager.token }))
        .status,
    ).toBe(204)
    expect((await h().request('GET', '/v1/auth/tokens', { token: victim.token })).status).toBe(401)
  })

  it('another user’s token id and a random id give identical 404s', async () => {
    await h().user('alice@example.com')
    await h().user('bob@example.com')
    const alice = await h().token('alice@example.com', { scopes: ['tokens:write', 'tokens:read'] })
    const bob = await h().token('bob@example.com', { scopes: ['tokens:read'] })
    for (const [method, suffix] of [
      ['DELETE', ''],
      ['POST', '/rotate'],
    ] as const) {
      const theirs = await comparable(
        await h().request(method, `/v1/auth/tokens/${bob.id}${suffix}`, { token: alice.token }),
      )
      const random = await comparable(
        await h().request(method, `/v1/auth/tokens/tok_${'Z'.repeat(24)}${suffix}`, {
          token: alice.token,
        }),
      )
      const garbage = await comparable(
        await h().request(method, `/v1/auth/tokens/nope${suffix}`, { token: alice.token }),
      )
      expect(theirs.status).toBe(404)
      expect(theirs).toEqual(random)
      expect(theirs).toEqual(garbage)
      expect(JSON.parse(theirs.body)).toMatchObject({ code: 'not_found', status: 404 })
    }
    // Bob's token is untouched.
    expect((await h().request('GET', '/v1/auth/tokens', { token: bob.token })).status).toBe(200)
  })

  it('without tokens:write or tokens:manage, revoking by id is 403 before any lookup', async () => {
    await h().user('reader@example.com')
    const reader = await h().token('reader@example.com', { scopes: ['tokens:read'] })
    const response = await h().request('DELETE', `/v1/auth/tokens/${reader.id}`, {
      token: reader.token,
    })
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toContain('scope="tokens:write"')
  })

  it('tokens:manage revokes anyone’s token', async () => {
    await h().user('someone@example.com')
    const theirs = await h().token('someone@example.com', { scopes: ['tokens:read'] })
    const admin = await h().token('admin@example.com', { scopes: ['tokens:manage'] })
    expect(
      (await h().request('DELETE', `/v1/auth/tokens/${theirs.id}`, { token: admin.token })).status,
    ).toBe(204)
    expect((await h().request('GET', '/v1/auth/tokens', { token: theirs.token })).status).toBe(401)
  })

  it('rotate: new secret, same id and scopes; the old one works during the grace period and not after', async () => {
    await h().user('rotor@example.com')
    const old = await h().token('rotor@example.com', {
      name: 'rotating',
      scopes: ['tokens:read', 'tokens:write'],
    })
    expect((await h().request('GET', '/v1/auth/tokens', { token: old.token })).status).toBe(200)

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
    const response = await h().request('POST', `/v1/auth/tokens/${old.id}/rotate`, {
      token: old.token,
      body: { grace_period_seconds: 60 },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const rotated = await response.json()
    expect(rotated).toMatchObject({
      id: old.id,
      name: 'rotating',
      scopes: ['tokens:read', 'tokens:write'],
    })
    expect(rotated.token).not.toBe(old.token)
    expect(Date.parse(rotated.previous_token_expires_at)).toBe(Date.now() + 60_000)

    const during = await h().request('GET', '/v1/auth/tokens', { token: old.token })
    expect(during.status).toBe(200)
    // The list says the token is in its rotation grace, and until when.
    expect((await during.json()).items[0]).toMatchObject({
      id: old.id,
      previous_token_expires_at: rotated.previous_token_expires_at,
    })
    expect((await h().request('GET', '/v1/auth/tokens', { token: rotated.token })).status).toBe(200)
    vi.setSystemTime(Date.now() + 61_000)
    const after = await h().request('GET', '/v1/auth/tokens', { token: old.token })
    expect(after.status).toBe(401)
    expect((await after.json()).code).toBe('invalid_token')
    const listed = await h().request('GET', '/v1/auth/tokens', { token: rotated.token })
    expect(listed.status).toBe(200)
    expect((await listed.json()).items[0]).toMatchObject({
      id: old.id,
      previous_token_expires_at: null,
    })
  })

  it('rotate without a body uses the default grace; the grace is capped at the token’s own expiry', async () => {
    await h().user('short@example.com')
    const short = await h().token('short@example.com', {
      scopes: ['tokens:write'],
      expires_in_days: 1,
    })
    const response = await h().request('POST', `/v1/auth/tokens/${short.id}/rotate`, {
      token: short.token,
      body: { grace_period_seconds: 7 * 24 * 3600 },
    })
    expect(response.status).toBe(200)
    const rotated = await response.json()
    expect(rotated.previous_token_expires_at).toBe(rotated.expires_at)

    // A second rotation would end that grace period early: another token shows the default.
    const other = await h().token('short@example.com', { scopes: ['tokens:write'] })
    const bare = await fetch(`${h().url}/v1/auth/tokens/${other.id}/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other.token}` },
    })
    expect(bare.status).toBe(200)
    const again = await bare.json()
    const grace = Date.parse(again.previous_token_expires_at) - Date.now()
    expect(grace).toBeGreaterThan(3590_000)
    expect(grace).toBeLessThanOrEqual(3600_000)

    const tooLong = await h().request('POST', `/v1/auth/tokens/${other.id}/rotate`, {
      token: again.token,
      body: { grace_period_seconds: 7 * 24 * 3600 + 1 },
    })
    expect(tooLong.status).toBe(400)
  })

  it('a revoked token cannot be rotated (404)', async () => {
    await h().user('dead@example.com')
    const keeper = await h().token('dead@example.com', { scopes: ['tokens:write'] })
    const dead = await h().token('dead@example.com', { scopes: [] })
    await h().request('DELETE', `/v1/auth/tokens/${dead.id}`, { token: keeper.token })
    const response = await h().request('POST', `/v1/auth/tokens/${dead.id}/rotate`, {
      token: keeper.token,
      body: {},
    })
    expect(response.status).toBe(404)
  })

  it('records last use in batches, flushed on shutdown (close)', async () => {
    // A server of its own, closed here: close() must write the pending last-used times.
    const harness = await startHarness(backend, { lastUsedFlushMs: 3_600_000 })
    try {
      await harness.user('used@example.com')
      const { id, token } = await harness.token('used@example.com', { scopes: ['tokens:read'] })
      for (let i = 0; i < 5; i++)
        expect((await harness.request('GET', '/v1/users/me', { token })).status).toBe(200)
      expect((await harness.store.tokens.findById(id))?.lastUsedAt).toBeNull()
      await harness.server.close()
      const store = await reopen(harness.database)
      try {
        const lastUsed = (await store.tokens.findById(id))?.lastUsedAt
        expect(lastUsed).toBeInstanceOf(Date)
        expect(Date.now() - lastUsed!.getTime()).toBeLessThan(60_000)
      } finally {
        await store.close()
      }
    } finally {
      await harness.database.drop()
    }
  })
})
