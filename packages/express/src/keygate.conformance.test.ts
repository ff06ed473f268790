import { runAdapterConformance, serve } from '@keygate/testkit'
import express, { type ErrorRequestHandler } from 'express'
import { keygate } from './index.js'

runAdapterConformance({
  name: 'express',
  async start({ auth, onAppError, hopped }) {
    const gate = keygate(auth)
    const app = express()
    app.use(gate)
    app.get('/health', (_req, res) => {
      res.json({ status: 'ok' })
    })
    app.get('/private', (req, res) => {
      res.json({ principal: req.auth ?? null, hopped: hopped() })
    })
    app.get('/scoped', gate.requireScopes('things:read'), (req, res) => {
      res.json({ principal: req.auth ?? null })
    })
    app.get('/boom', () => {
      throw new Error('boom')
    })
    const onError: ErrorRequestHandler = (error, _req, res, _next) => {
      onAppError(error)
      res.status(500).type('text/plain').send('app error handler')
    }
    app.use(onError)
    return serve(app)
  },
})
