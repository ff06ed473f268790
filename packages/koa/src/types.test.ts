import type { Principal } from '@keygate/core'
import type { DefaultState, Middleware, ParameterizedContext } from 'koa'
import { describe, expectTypeOf, it } from 'vitest'
import { getPrincipal, keygate, type KoaAuth } from './index.js'

// Checked at compile time by `npm run typecheck`; at run time these are no-ops.
describe('@keygate/koa types', () => {
  it('types ctx.state.auth through declaration merging', () => {
    expectTypeOf<DefaultState['auth']>().toEqualTypeOf<Principal | undefined>()
    const route: Middleware = (ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<Principal | undefined>()
      // @ts-expect-error the principal is undefined on public paths: narrow it first
      ctx.body = ctx.state.auth.subject
      // @ts-expect-error only a Principal can be attached
      ctx.state.auth = 'admin'
    }
    expectTypeOf(route).toBeFunction()
  })

  it('types getPrincipal for apps with their own state type', () => {
    expectTypeOf(getPrincipal).toBeCallableWith({} as ParameterizedContext<{ tenant: string }>)
    expectTypeOf(getPrincipal).returns.toEqualTypeOf<Principal | undefined>()
  })

  it('types the middleware and requireScopes', () => {
    expectTypeOf(keygate).returns.toEqualTypeOf<KoaAuth>()
    expectTypeOf<KoaAuth>().toExtend<Middleware>()
    expectTypeOf<KoaAuth['requireScopes']>().returns.toEqualTypeOf<Middleware>()
    const gate = {} as KoaAuth
    // @ts-expect-error scopes are strings
    expectTypeOf(gate.requireScopes).toBeCallableWith(['things:read'])
  })
})
