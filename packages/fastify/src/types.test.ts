import { serviceToken, staticSecrets, type Principal } from '@keygate/core'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  getPrincipal,
  keygate,
  requirePrincipal,
  requireScopes,
  type KeygateRouteConfig,
} from './index.js'

// Compile-time checks (`npm run typecheck`); the runtime part only builds an app.
describe('types', () => {
  it('types request.auth, the helpers, the decorator and route config', async () => {
    const app = Fastify()
    await app.register(keygate, {
      strategies: [serviceToken({ source: staticSecrets(['s']) })],
      hook: false,
    })

    app.get<{ Params: { id: string } }>(
      '/things/:id',
      {
        config: { keygate: { scopes: ['things:read'] } },
        preHandler: requireScopes('things:read'),
      },
      (request) => {
        expectTypeOf(request.auth).toEqualTypeOf<Principal | undefined>()
        expectTypeOf(getPrincipal(request)).toEqualTypeOf<Principal | undefined>()
        expectTypeOf(requirePrincipal(request)).toEqualTypeOf<Principal>()
        expectTypeOf(request.params.id).toBeString()
        return { id: request.params.id }
      },
    )
    app.get('/login', { config: { keygate: false } }, () => 'public')
    app.get('/either', { onRequest: app.verifyKeygate }, () => 'ok')

    expectTypeOf(app.verifyKeygate).toEqualTypeOf<
      (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    >()
    expectTypeOf<false>().toExtend<KeygateRouteConfig>()

    // Refused by the compiler, and at runtime when the route is declared.
    expect(() =>
      // @ts-expect-error scopes is a list, not a string
      app.get('/bad', { config: { keygate: { scopes: 'things:read' } } }, () => 'x'),
    ).toThrow(TypeError)
    // @ts-expect-error request.auth is a Principal, not a string
    app.get('/bad2', (request) => request.auth?.toUpperCase())
    await app.close()
  })
})
