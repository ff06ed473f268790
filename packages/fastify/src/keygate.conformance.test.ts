import { runAdapterConformance } from '@keygate/testkit'
import Fastify from 'fastify'
import { getPrincipal, keygate, requireScopes } from './index.js'

runAdapterConformance({
  name: 'fastify',
  async start({ auth, onAppError, hopped }) {
    const app = Fastify()
    app.setErrorHandler((error, _request, reply) => {
      onAppError(error)
      return reply.code(500).type('text/plain').send('app error handler')
    })
    await app.register(keygate, auth)
    app.get('/health', () => ({ status: 'ok' }))
    app.get('/private', (request) => ({
      principal: getPrincipal(request) ?? null,
      hopped: hopped(),
    }))
    app.get('/scoped', { preHandler: requireScopes('things:read') }, (request) => ({
      principal: request.auth ?? null,
    }))
    app.get('/boom', () => {
      throw new Error('boom')
    })
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return { url, close: () => app.close() }
  },
})
