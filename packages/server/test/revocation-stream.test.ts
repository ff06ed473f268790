/**
 * GET /v1/auth/revocations over real HTTP on SQLite and PostgreSQL: the events, their ids, the
 * backlog behind Last-Event-ID, the reset when it is too old, heartbeats, the gate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { forEachBackend, useHarness, type Harness } from './harness.js'
import { startPeer } from './peer.js'
import { eventData, openSSE, type SSEFrame } from './sse.js'
import { sessionToken } from './sessions-helpers.js'

const SECRET = 'svc-stream-secret-0123456789abcdefghij'
let counter = 0

function useServiceEnv(): string {
  const name = `KG_TEST_STREAM_TOKEN_${process.pid}_${counter++}`
  beforeAll(() => {
    process.env[name] = SECRET
  })
  afterAll(() => {
    delete process.env[name]
  })
  return name
}

function stream(h: { url: string }, headers: Record<string, string> = {}) {
  return openSSE(`${h.url}/v1/auth/revocations`, { authorization: `Bearer ${SECRET}`, ...headers })
}

const isReady = (frame: SSEFrame) => frame.event === 'ready'
const revocationOf = (key: string, value: string) => (frame: SSEFrame) =>
  frame.event === 'revocation' && eventData(frame)[key] === value

async function adminToken(h: Harness): Promise<string> {
  return (await h.token(h.admin.email, { scopes: ['tokens:manage', 'users:manage'] })).token
}

forEachBackend('GET /v1/auth/revocations', (backend) => {
  const name = useServiceEnv()
  const h = useHarness(backend, {
    introspection: { serviceToken: { env: name }, backlog: 10, heartbeatSeconds: 1 },
  })

  it('refuses callers without the service token', async () => {
    const user = await h().user('stream-caller@example.com')
    const created = await h().token(user.email)
    for (const authorization of [undefined, `Bearer ${created.token}`, 'Bearer wrong-secret-xyz']) {
      const response = await fetch(`${h().url}/v1/auth/revocations`, {
        headers: authorization === undefined ? {} : { authorization },
      })
      expect(response.status).toBe(401)
      await response.body?.cancel()
    }
  })

  it('streams revocations, rotations, ended sessions and disabled users — ids only', async () => {
    const admin = await adminToken(h())
    const s = await stream(h())
    try {
      expect(s.status).toBe(200)
      expect(s.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      expect(s.headers.get('cache-control')).toBe('no-store')
      await s.next(isReady)
      const user = await h().user('streamed@example.com')
      const revoked = await h().token(user.email)
      const rotated = await h().token(user.email)
      expect(
        (await h().request('DELETE', `/v1/auth/tokens/${revoked.id}`, { token: admin })).status,
      ).toBe(204)
      const rotation = await h().request('POST', `/v1/auth/tokens/${rotated.id}/rotate`, {
        token: admin,
        body: { grace_period_seconds: 60 },
      })
      expect(rotation.status).toBe(200)
      const jwt = await sessionToken(h(), user.email)
      const me = (await (await h().request('GET', '/v1/users/me', { token: jwt })).json()) as {
        id: string
      }
      expect(me.id).toBe(user.id)
      await h().request('DELETE', '/v1/auth/sessions/current', { token: jwt })
      const disable = await h().request('PATCH', `/v1/users/${user.id}`, {
        token: admin,
        body: { disabled: true },
      })
      expect(disable.status).toBe(200)

      const r = eventData(await s.next(revocationOf('token_id', revoked.id)))
      expect(r).toEqual({
        type: 'token.revoked',
        token_id: revoked.id,
        at: expect.any(String) as string,
      })
      const rot = eventData(await s.next(revocationOf('token_id', rotated.id)))
      expect(rot.type).toBe('token.rotated')
      expect(rot.grace_until).toBe(
        ((await rotation.json()) as { previous_token_expires_at: string })
          .previous_token_expires_at,
      )
      const ended = eventData(await s.next((f) => eventData(f).type === 'session.ended'))
      expect(typeof ended.session_id).toBe('string')
      const disabled = eventData(await s.next(revocationOf('user_id', user.id)))
      expect(disabled.type).toBe('user.disabled')

      // Ids are increasing integers; no frame carries a secret, token or digest.
      const ids = s.frames.filter((f) => f.event === 'revocation').map((f) => Number(f.id))
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
      const text = JSON.stringify(s.frames)
      for (const secret of [revoked.token, rotated.token, jwt, SECRET]) {
        expect(text).not.toContain(secret)
      }
      expect(text).not.toMatch(/[0-9a-f]{64}/)
    } finally {
      s.close()
    }
  })

  it('resumes with Last-Event-ID: what was missed arrives, then ready', async () => {
    const admin = await adminToken(h())
    const first = await stream(h())
    const ready = await first.next(isReady)
    first.close()
    const user = await h().user('resume@example.com')
    const a = await h().token(user.email)
    const b = await h().token(user.email)
    for (const t of [a, b]) {
      await h().request('DELETE', `/v1/auth/tokens/${t.id}`, { token: admin })
    }
    // Wait until both are in the backlog (the write follows the answer).
    const probe = await stream(h())
    await probe.next(isReady)
    probe.close()
    const again = await stream(h(), { 'last-event-id': ready.id! })
    try {
      const readyAgain = await again.next(isReady)
      const missed = again.frames
        .filter((f) => f.event === 'revocation')
        .map((f) => eventData(f).token_id)
      expect(missed).toEqual(expect.arrayContaining([a.id, b.id]))
      expect(again.frames.indexOf(readyAgain)).toBeGreaterThan(1)
      expect(again.frames.some((f) => f.event === 'reset')).toBe(false)
    } finally {
      again.close()
    }
  })

  it('sends reset for an id older than the backlog, or unknown', async () => {
    const admin = await adminToken(h())
    const first = await stream(h())
    const ready = await first.next(isReady)
    first.close()
    const user = await h().user('overflow@example.com')
    for (let i = 0; i < 12; i++) {
      const t = await h().token(user.email)
      await h().request('DELETE', `/v1/auth/tokens/${t.id}`, { token: admin })
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
    for (const id of [ready.id!, '999999999']) {
      const s = await stream(h(), { 'last-event-id': id })
      try {
        const reset = await s.next((f) => f.event === 'reset')
        expect(JSON.parse(reset.data!)).toEqual({ reason: 'backlog' })
        await s.next(isReady)
      } finally {
        s.close()
      }
    }
  })

  it('refuses a malformed Last-Event-ID; sends heartbeats', async () => {
    const bad = await fetch(`${h().url}/v1/auth/revocations`, {
      headers: { authorization: `Bearer ${SECRET}`, 'last-event-id': 'abc' },
    })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { code: string }).code).toBe('invalid_request')
    const s = await stream(h())
    try {
      await s.next((f) => f.comment === 'heartbeat', 3000)
    } finally {
      s.close()
    }
  })
})

describe('GET /v1/auth/revocations across instances [postgres]', () => {
  const name = useServiceEnv()
  const h = useHarness('postgres', { introspection: { serviceToken: { env: name } } })

  it('streams on one instance what was revoked on another, with the same ids', async () => {
    const peer = await startPeer(h(), { introspection: { serviceToken: { env: name } } })
    const onA = await stream(h())
    const onB = await stream(peer)
    try {
      await onA.next(isReady)
      await onB.next(isReady)
      const user = await h().user('across@example.com')
      const t = await h().token(user.email)
      expect(
        (await peer.request('DELETE', '/v1/auth/tokens/current', { token: t.token })).status,
      ).toBe(204)
      const fromA = await onA.next(revocationOf('token_id', t.id), 3000)
      const fromB = await onB.next(revocationOf('token_id', t.id), 3000)
      expect(fromA.id).toBe(fromB.id)
    } finally {
      onA.close()
      onB.close()
      await peer.close()
    }
  })

  it('close() ends open streams instead of hanging', async () => {
    const peer = await startPeer(h(), { introspection: { serviceToken: { env: name } } })
    const s = await stream(peer)
    await s.next(isReady)
    await peer.close()
    s.close()
  })
})
