import type { AddressInfo } from 'node:net'
import { runAdapterConformance } from '@keygate/testkit'
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
    const server = app.listen(0, '127.0.0.1')
    await new Promise<void>((resolve) => server.once('listening', resolve))
    const { port } = server.address() as AddressInfo
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  },
})
