import { createHash } from 'node:crypto'
import { digestAPIToken } from '@keygate/core'
import { describe, expect, it } from 'vitest'
import { createServer } from '../src/index.js'
import { createLoggerOptions } from '../src/logging/create-logger-options.js'
import { createDatabase, forEachBackend, PASSWORD, useHarness } from './harness.js'

const PEPPER = 'pepper-for-the-log-capture-test-0123456789'
const NEW_PASSWORD = 'an entirely new password 42'

type Line = Record<string, unknown> & { msg?: string; reqId?: string }

function parse(logs: readonly string[]): Line[] {
  return logs.map((line) => JSON.parse(line) as Line)
}

forEachBackend('logs', (backend) => {
  const h = useHarness(backend, {
    tokens: { pepper: PEPPER },
    metrics: { processMetrics: false },
  })

  it('never hold a token, a password, a digest or the pepper, over a realistic session', async () => {
    const secrets: string[] = [PEPPER, PASSWORD, NEW_PASSWORD, 'wrong password attempt']
    await h().user('logs@example.com')
    const created = await h().token('logs@example.com', { scopes: ['tokens:read', 'tokens:write'] })
    secrets.push(created.token)
    const admin = await h().token('admin@example.com', { scopes: ['users:manage', 'audit:read'] })
    secrets.push(admin.token)

    expect((await h().request('GET', '/v1/auth/tokens', { token: created.token })).status).toBe(200)
    // A credential in the query string by mistake is not logged either (only the path is).
    await h().request('GET', `/v1/auth/tokens?access_token=${created.token}`, {
      token: created.token,
    })
    const wrong = `${created.token.slice(0, -8)}AAAAAAAA`
    secrets.push(wrong)
    expect((await h().request('GET', '/v1/auth/tokens', { token: wrong })).status).toBe(401)
    await h().request('POST', '/v1/auth/tokens', {
      body: { email: 'logs@example.com', password: 'wrong password attempt', name: 'x' },
    })
    const rotated = await h().request('POST', `/v1/auth/tokens/${created.id}/rotate`, {
      token: created.token,
    })
    const { token: next } = (await rotated.json()) as { token: string }
    secrets.push(next)
    await h().request('PUT', '/v1/users/me/password', {
      token: next,
      body: { current_password: PASSWORD, new_password: NEW_PASSWORD },
    })
    await h().request('POST', '/v1/users', {
      token: admin.token,
      body: { email: 'new@example.com', password: PASSWORD },
    })
    await h().request('GET', '/v1/audit', { token: admin.token })
    expect((await h().request('DELETE', '/v1/auth/tokens/current', { token: next })).status).toBe(
      204,
    )
    expect((await h().request('GET', '/v1/auth/tokens', { token: next })).status).toBe(401)

    for (const token of [created.token, next, admin.token, wrong]) {
      secrets.push(await digestAPIToken(token, { pepper: PEPPER }))
      secrets.push(await digestAPIToken(token))
      secrets.push(createHash('sha256').update(token).digest('base64'))
    }
    const text = h().logs.join('\n')
    expect(h().logs.length).toBeGreaterThan(20)
    for (const secret of secrets) expect(text).not.toContain(secret)
    expect(text.toLowerCase()).not.toContain('bearer ')
    expect(text).not.toContain('$argon2')
  })

  it('carry the request id on every request line, and one line per decision', async () => {
    await h().user('decisions@example.com')
    const { token, id } = await h().token('decisions@example.com', { scopes: ['tokens:read'] })
    const before = h().logs.length
    const ok = await h().request('GET', '/v1/auth/tokens?limit=5', { token })
    const refused = await h().request('GET', '/v1/users', { token })
    const missing = await h().request('GET', '/v1/auth/tokens')
    const lines = parse(h().logs.slice(before))
    for (const line of lines) {
      if ('req' in line || 'res' in line || line.msg === 'auth decision') {
        expect(line.reqId).toMatch(/^req_[0-9a-f]{16}$/)
      }
    }
    const decisions = lines.filter((l) => l.msg === 'auth decision')
    const strip = ({ time: _t, pid: _p, hostname: _h, ...rest }: Line) => rest
    expect(decisions.map(strip)).toEqual([
      {
        level: 30,
        msg: 'auth decision',
        reqId: ok.headers.get('x-request-id'),
        outcome: 'allow',
        strategy: 'api-token',
        subject: expect.any(String),
        tokenId: id,
        clientIp: '127.0.0.1',
        method: 'GET',
        path: '/v1/auth/tokens',
      },
      {
        level: 30,
        msg: 'auth decision',
        reqId: refused.headers.get('x-request-id'),
        outcome: 'allow',
        strategy: 'api-token',
        subject: expect.any(String),
        tokenId: id,
        clientIp: '127.0.0.1',
        method: 'GET',
        path: '/v1/users',
      },
      {
        level: 30,
        msg: 'auth decision',
        reqId: refused.headers.get('x-request-id'),
        outcome: 'deny',
        code: 'insufficient_scope',
        subject: expect.any(String),
        tokenId: id,
        clientIp: '127.0.0.1',
        method: 'GET',
        path: '/v1/users',
      },
      {
        level: 30,
        msg: 'auth decision',
        reqId: missing.headers.get('x-request-id'),
        outcome: 'deny',
        code: 'missing_credentials',
        clientIp: '127.0.0.1',
        method: 'GET',
        path: '/v1/auth/tokens',
      },
    ])
    const incoming = lines.filter((l) => l.msg === 'incoming request')
    expect(incoming.map((l) => l.req)).toEqual([
      { method: 'GET', url: '/v1/auth/tokens', remoteAddress: '127.0.0.1' },
      { method: 'GET', url: '/v1/users', remoteAddress: '127.0.0.1' },
      { method: 'GET', url: '/v1/auth/tokens', remoteAddress: '127.0.0.1' },
    ])
  })
})

describe('log format', () => {
  it('pretty prints for a terminal, with the request id', async () => {
    const database = await createDatabase('sqlite')
    const logs: string[] = []
    const server = await createServer(
      {
        port: 0,
        logFormat: 'pretty',
        metrics: { processMetrics: false },
        database: { url: database.url },
      },
      { logStream: { write: (line) => logs.push(line) } },
    )
    try {
      const response = await server.inject({ method: 'GET', url: '/v1/auth/tokens' })
      expect(response.statusCode).toBe(401)
      const text = logs.join('')
      expect(() => JSON.parse(logs[logs.length - 1]!)).toThrow()
      expect(text).toMatch(/INFO.*auth decision/)
      expect(text).toContain(`reqId: "${String(response.headers['x-request-id'])}"`)
      expect(text).toContain('code: "missing_credentials"')
    } finally {
      await server.close()
      await database.drop()
    }
  })

  it('auto: pretty only when writing to a terminal', async () => {
    const stream = { write: () => {} }
    const config = { logLevel: 'info', logFormat: 'auto' } as const
    expect((await createLoggerOptions({ config, isTTY: true })).logger.stream).toBeDefined()
    expect((await createLoggerOptions({ config, isTTY: false })).logger.stream).toBeUndefined()
    expect((await createLoggerOptions({ config, stream, isTTY: true })).logger.stream).toBe(stream)
    const json = { logLevel: 'info', logFormat: 'json' } as const
    expect((await createLoggerOptions({ config: json, isTTY: true })).logger.stream).toBeUndefined()
  })

  it('rejects an unknown format, naming the key', async () => {
    await expect(createServer({ logFormat: 'xml' as 'json' })).rejects.toThrow(
      'keygate config: logFormat must be one of json, pretty, auto',
    )
  })
})
