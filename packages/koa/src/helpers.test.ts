import { KeygateError } from '@keygate/core'
import { runHelperConformance, serve } from '@keygate/testkit'
import Koa from 'koa'
import { getPrincipal, keygate, requirePrincipal, requireScopes } from './index.js'

runHelperConformance({
  name: 'koa',
  keygate,
  requireScopes,
  start({ gate }) {
    const a = new Koa()
    a.use(async (ctx, next) => {
      try {
        await next()
      } catch (error) {
        if (error instanceof KeygateError) {
          const { status, headers, body } = error.response()
          ctx.status = status
          ctx.set(headers)
          ctx.body = JSON.stringify(body)
          return
        }
        ctx.status = 500
        ctx.body = { message: (error as Error).message }
      }
    })
    if (gate !== undefined) a.use(keygate(gate))
    const read = requireScopes('things:read')
    const write = requireScopes('things:write')
    a.use(async (ctx) => {
      if (ctx.path === '/read') {
        await read(ctx, async () => {
          ctx.body = { subject: getPrincipal(ctx)?.subject }
        })
      } else if (ctx.path === '/write') {
        await write(ctx, async () => {
          ctx.body = {}
        })
      } else ctx.body = { subject: requirePrincipal(ctx).subject }
    })
    return serve(a.callback())
  },
})
