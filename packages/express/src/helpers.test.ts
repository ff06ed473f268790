import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { KeygateError, serviceToken, staticSecrets, type AuthDecision } from '@keygate/core'
import express, { type ErrorRequestHandler } from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { getPrincipal, keygate, requirePrincipal, requireScopes } from './index.js'

const SECRET = 'express-helpers-test-secret-0123456789'
const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

async function app(decisions: AuthDecision[], withGate = true): Promise<string> {
  const a = express()
  if (withGate) {
    a.use(
      keygate({
        strategies: [serviceToken({ source: staticSecrets([SECRET]), scopes: ['things:read'] })],
        env: {},
        onDecision: (d) => decisions.push(d),
        requestId: () => 'req-x',
      }),
    )
  }
  a.get('/read', requireScopes('things:read'), (req, res) => {
    res.json({ subject: getPrincipal(req)?.subject })
  })
  a.get('/write', requireScopes('things:write'), (_req, res) => res.json({}))
  a.get('/health', (req, res) => {
    res.json({ principal: getPrincipal(req) ?? null, required: requirePrincipal(req).subject })
  })
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    if (error instanceof KeygateError) {
      const { status, headers, body } = error.response()
      res.writeHead(status, headers).end(JSON.stringify(body))
      return
    }
    res.status(500).json({ message: (error as Error).message })
  }
  a.use(onError)
  const server = a.listen(0, '127.0.0.1')
  servers.push(server)
  await new Promise<void>((resolve) => server.once('listening', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const bearer = { authorization: `Bearer ${SECRET}` }

describe('requireScopes, getPrincipal, requirePrincipal (the names every adapter exports)', () => {
  it('requireScopes reuses the gate’s authentication and answers 403 with the challenge', async () => {
    const decisions: AuthDecision[] = []
    const url = await app(decisions)
    const read = await fetch(`${url}/read`, { headers: bearer })
    expect([read.status, await read.json()]).toEqual([200, { subject: 'service' }])
    const write = await fetch(`${url}/write`, { headers: bearer })
    expect(write.status).toBe(403)
    expect(write.headers.get('www-authenticate')).toContain('scope="things:write"')
    expect(await write.json()).toMatchObject({ code: 'insufficient_scope', request_id: 'req-x' })
    expect(decisions.map((d) => d.outcome)).toEqual(['allow', 'allow', 'deny'])
  })

  it('requirePrincipal fails closed with the 401 problem on a public path', async () => {
    const url = await app([])
    const res = await fetch(`${url}/health`)
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await res.json()).toMatchObject({ code: 'missing_credentials', request_id: 'req-x' })
  })

  it('requireScopes without keygate() is an error (a 500), never an open route', async () => {
    const url = await app([], false)
    const res = await fetch(`${url}/read`, { headers: bearer })
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({
      message: 'requireScopes(): the keygate() middleware must run before it',
    })
  })

  it('applies the one scope grammar (RFC 6749 §3.3), on the gate method too', () => {
    expect(() => requireScopes()).toThrow(/at least one scope is required/)
    expect(() => requireScopes('two words')).toThrow(/"two words" is not a valid scope/)
    const gate = keygate({ strategies: [serviceToken({ source: staticSecrets([SECRET]) })] })
    expect(() => gate.requireScopes('a"b')).toThrow(/is not a valid scope/)
  })
})
