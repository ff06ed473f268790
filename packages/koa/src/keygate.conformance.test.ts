import { runAdapterConformance, serve } from '@keygate/testkit'
import Koa from 'koa'
import { keygate } from './index.js'

runAdapterConformance({
  name: 'koa',
  async start({ auth, onAppError, hopped }) {
    const gate = keygate(auth)
    const requireThingsRead = gate.requireScopes('things:read')
    const app = new Koa()
    // The app's error handler, outermost as in any Koa app.
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (error) {
        onAppError(error)
        ctx.status = 500
        ctx.type = 'text/plain'
        ctx.body = 'app error handler'
      }
    })
    app.use(gate)
    app.use(async (ctx, next) => {
      if (ctx.method !== 'GET') return next()
      switch (ctx.path) {
        case '/health':
          ctx.body = { status: 'ok' }
          return
        case '/private':
          ctx.body = { principal: ctx.state.auth ?? null, hopped: hopped() }
          return
        case '/scoped':
          return requireThingsRead(ctx, async () => {
            ctx.body = { principal: ctx.state.auth ?? null }
          })
        case '/boom':
          throw new Error('boom')
        default:
          return next()
      }
    })
    return serve(app.callback())
  },
})
