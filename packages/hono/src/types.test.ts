import { serviceToken, staticSecrets, type Principal } from '@keygate/core'
import { Hono, type MiddlewareHandler } from 'hono'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  getPrincipal,
  keygate,
  requirePrincipal,
  requireScopes,
  type KeygateVariables,
} from './index.js'

// Compile-time checks (`npm run typecheck`); the runtime part only builds an app.
describe('types', () => {
  it("types c.get('auth') through ContextVariableMap, and the helpers", async () => {
    const app = new Hono()
    expectTypeOf(keygate).returns.toEqualTypeOf<MiddlewareHandler>()
    expectTypeOf(requireScopes).returns.toEqualTypeOf<MiddlewareHandler>()
    app.use(keygate({ strategies: [serviceToken({ source: staticSecrets(['s']) })] }))
    app.get('/things/:id', requireScopes('things:read'), (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<Principal | undefined>()
      expectTypeOf(c.var.auth).toEqualTypeOf<Principal | undefined>()
      expectTypeOf(getPrincipal(c)).toEqualTypeOf<Principal | undefined>()
      expectTypeOf(requirePrincipal(c)).toEqualTypeOf<Principal>()
      expectTypeOf(c.req.param('id')).toBeString()
      // @ts-expect-error auth holds a Principal, not a string
      c.set('auth', 'alice')
      return c.json({ subject: c.var.auth?.subject ?? null })
    })

    // The generic form, for apps that declare their variables explicitly.
    const typed = new Hono<{ Variables: KeygateVariables }>()
    typed.get('/', (c) => c.text(c.var.auth?.subject ?? 'anonymous'))

    const res = await app.request('/things/1')
    expect(res.status).toBe(401)
  })
})
