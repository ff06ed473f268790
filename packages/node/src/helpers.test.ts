import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serviceToken, staticSecrets, type AuthDecision } from '@keygate/core'
import { afterEach, describe, expect, it } from 'vitest'
import {
  getPrincipal,
  keygate,
  requirePrincipal,
  requireScopes,
  type NodeHandler,
} from './index.js'

const SECRET = 'node-helpers-test-secret-0123456789'
const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

async function listen(handler: NodeHandler): Promise<string> {
  const server = createServer((req, res) => void handler(req, res))
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function gate(decisions: AuthDecision[]) {
  return keygate({
    strategies: [serviceToken({ source: staticSecrets([SECRET]), scopes: ['things:read'] })],
    env: {},
    onDecision: (d) => decisions.push(d),
    requestId: () => 'req-n',
  })
}

const bearer = { authorization: `Bearer ${SECRET}` }
const read = requireScopes('things:read')((req, res) => res.end(getPrincipal(req)?.subject))
const write = requireScopes('things:write')((_req, res) => res.end('written'))

describe('requireScopes, getPrincipal, requirePrincipal (the names every adapter exports)', () => {
  it('requireScopes reuses the gate’s authentication and answers 403 with the challenge', async () => {
    const decisions: AuthDecision[] = []
    const url = await listen(
      gate(decisions).protect((req, res) =>
        req.url === '/read' ? read(req, res) : write(req, res),
      ),
    )
    const ok = await fetch(`${url}/read`, { headers: bearer })
    expect([ok.status, await ok.text()]).toEqual([200, 'service'])
    const refused = await fetch(`${url}/write`, { headers: bearer })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('www-authenticate')).toContain('scope="things:write"')
    expect(await refused.json()).toMatchObject({ code: 'insufficient_scope', request_id: 'req-n' })
    expect(decisions.map((d) => d.outcome)).toEqual(['allow', 'allow', 'deny'])
  })

  it('requirePrincipal fails closed: protect() answers its 401 problem', async () => {
    const url = await listen(gate([]).protect((req, res) => res.end(requirePrincipal(req).subject)))
    const res = await fetch(`${url}/health`)
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await res.json()).toMatchObject({ code: 'missing_credentials', request_id: 'req-n' })
  })

  it('requireScopes outside protect() is an error, never an open route', async () => {
    const url = await listen((req, res) => {
      try {
        read(req, res)
      } catch (error) {
        res.writeHead(500).end((error as Error).message)
      }
    })
    const res = await fetch(`${url}/read`, { headers: bearer })
    expect([res.status, await res.text()]).toEqual([
      500,
      'requireScopes(): the keygate() middleware must run before it',
    ])
  })

  it('applies the one scope grammar (RFC 6749 §3.3)', () => {
    expect(() => requireScopes()).toThrow(/at least one scope is required/)
    expect(() => requireScopes('two words')).toThrow(/"two words" is not a valid scope/)
  })
})
