/**
 * An API token's effective scopes are bounded by what its owner's role grants at the time of the
 * request (SPEC §5), not only when it was issued: a token left wider than its owner's role (a
 * demotion racing the token's creation, `scopes.*.roles` narrowed in the configuration, a custom
 * role removed) acts with the intersection. Verified over HTTP against real databases.
 */
import { getPrincipal } from '@keygate/fastify'
import { expect, it } from 'vitest'
import { needs } from '../src/auth/register-auth.js'
import type { KeygateServer, ServerConfigInput } from '../src/index.js'
import { forEachBackend, startHarness, type Harness } from './harness.js'
import { startPeer } from './peer.js'

function routes(server: KeygateServer): void {
  server.route({
    method: 'GET',
    url: '/v1/test/runs',
    config: needs('runs:read'),
    handler: () => ({ ok: true }),
  })
  server.route({
    method: 'GET',
    url: '/v1/test/whoami',
    handler: (request) => ({ scopes: getPrincipal(request)?.scopes ?? null }),
  })
}

const OPERATORS: ServerConfigInput = {
  roles: ['operator'],
  scopes: { 'runs:read': { roles: ['operator'] } },
}

forEachBackend('role caps apply on every request', (backend) => {
  let h: Harness
  const start = async (config: ServerConfigInput = OPERATORS) => {
    h = await startHarness(backend, config, { setup: routes })
    return h
  }

  it('a token wider than its owner’s role now (a demotion that raced its creation) acts with the role’s scopes', async () => {
    await start()
    try {
      const admin = await h.user('racing-admin@example.com', 'admin')
      const { token } = await h.token(admin.email, { scopes: ['users:manage', 'tokens:read'] })
      expect((await h.request('GET', '/v1/users', { token })).status).toBe(200)
      // The demotion landed between the role check and the insert: nothing revoked the token.
      await h.store.users.update(admin.id, { role: 'user' })
      // Another instance (its cache never saw the token) asks the database: the role is "user".
      const peer = await startPeer(h, OPERATORS, { setup: routes })
      try {
        const refused = await peer.request('GET', '/v1/users', { token })
        expect(refused.status).toBe(403)
        expect(((await refused.json()) as { code: string }).code).toBe('insufficient_scope')
        const who = await peer.request('GET', '/v1/test/whoami', { token })
        expect(((await who.json()) as { scopes: string[] }).scopes).toEqual(['tokens:read'])
      } finally {
        await peer.close()
      }
    } finally {
      await h.close()
    }
  })

  it('narrowing scopes.*.roles in the configuration, or removing a role, narrows existing tokens', async () => {
    await start()
    try {
      const operator = await h.user('op@example.com', 'operator')
      const { token } = await h.token(operator.email, { scopes: ['runs:read', 'tokens:read'] })
      expect((await h.request('GET', '/v1/test/runs', { token })).status).toBe(200)

      // Restarted with runs:read granted to admins only.
      const narrowed = await startPeer(
        h,
        { roles: ['operator'], scopes: { 'runs:read': { roles: [] } } },
        { setup: routes },
      )
      try {
        expect((await narrowed.request('GET', '/v1/test/runs', { token })).status).toBe(403)
        expect((await narrowed.request('GET', '/v1/auth/tokens', { token })).status).toBe(200)
      } finally {
        await narrowed.close()
      }
      // Restarted without the operator role: it grants nothing at all.
      const removed = await startPeer(
        h,
        { scopes: { 'runs:read': { roles: [] } } },
        { setup: routes },
      )
      try {
        expect((await removed.request('GET', '/v1/test/runs', { token })).status).toBe(403)
        expect((await removed.request('GET', '/v1/auth/tokens', { token })).status).toBe(403)
      } finally {
        await removed.close()
      }
    } finally {
      await h.close()
    }
  })
})
