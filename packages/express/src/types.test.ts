import type { Principal } from '@keygate/core'
import type { Request, RequestHandler } from 'express'
import { describe, expectTypeOf, it } from 'vitest'
import { keygate, type ExpressAuth } from './index.js'

// Checked at compile time by `npm run typecheck`; at run time these are no-ops.
describe('@keygate/express types', () => {
  it('types req.auth through declaration merging', () => {
    expectTypeOf<Request['auth']>().toEqualTypeOf<Principal | undefined>()
    const route: RequestHandler = (req, res) => {
      expectTypeOf(req.auth).toEqualTypeOf<Principal | undefined>()
      // @ts-expect-error the principal is undefined on public paths: narrow it first
      res.send(req.auth.subject)
      if (req.auth !== undefined) expectTypeOf(req.auth.scopes).toEqualTypeOf<readonly string[]>()
    }
    expectTypeOf(route).toBeFunction()
  })

  it('types the middleware and requireScopes', () => {
    expectTypeOf(keygate).returns.toEqualTypeOf<ExpressAuth>()
    expectTypeOf<ExpressAuth>().toExtend<RequestHandler>()
    expectTypeOf<ExpressAuth['requireScopes']>().returns.toEqualTypeOf<RequestHandler>()
    expectTypeOf<ExpressAuth['requireScopes']>().parameters.toEqualTypeOf<string[]>()
    const gate = {} as ExpressAuth
    // @ts-expect-error scopes are strings
    expectTypeOf(gate.requireScopes).toBeCallableWith(42)
  })
})
