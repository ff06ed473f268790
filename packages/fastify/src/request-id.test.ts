import { serviceToken, staticSecrets, type AuthDecision } from '@keygate/core'
import Fastify from 'fastify'
import { afterEach, expect, it } from 'vitest'
import { keygate } from './index.js'

const SECRET = 'kg-test-secret-0123456789abcdefghijklmnop'
const apps: ReturnType<typeof Fastify>[] = []

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

it('reports the request id in decisions: request.id, or the requestId option', async () => {
  const decisions: AuthDecision[] = []
  const start = async (requestId?: () => string) => {
    let n = 0
    const app = Fastify({ genReqId: () => `req-${++n}` })
    apps.push(app)
    await app.register(keygate, {
      strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
      env: {},
      onDecision: (d) => decisions.push(d),
      ...(requestId === undefined ? {} : { requestId }),
    })
    app.get('/x', () => 'ok')
    return app.listen({ port: 0, host: '127.0.0.1' })
  }
  const plain = await start()
  await fetch(`${plain}/x`, { headers: { authorization: `Bearer ${SECRET}` } })
  await fetch(`${plain}/x`)
  const custom = await start(() => 'from-option')
  await fetch(`${custom}/x`)
  expect(decisions.map((d) => [d.outcome, d.requestId])).toEqual([
    ['allow', 'req-1'],
    ['deny', 'req-2'],
    ['deny', 'from-option'],
  ])
})
