import { KeygateError } from '@keygate/core'
import { runHelperConformance, serve } from '@keygate/testkit'
import express, { type ErrorRequestHandler } from 'express'
import { getPrincipal, keygate, requirePrincipal, requireScopes } from './index.js'

runHelperConformance({
  name: 'express',
  keygate,
  requireScopes,
  start({ gate }) {
    const a = express()
    if (gate !== undefined) a.use(keygate(gate))
    a.get('/read', requireScopes('things:read'), (req, res) => {
      res.json({ subject: getPrincipal(req)?.subject })
    })
    a.get('/write', requireScopes('things:write'), (_req, res) => res.json({}))
    a.get('/health', (req, res) => {
      res.json({ subject: requirePrincipal(req).subject })
    })
    const onError: ErrorRequestHandler = (error, _req, res, _next) => {
      if (error instanceof KeygateError) {
        const { status, headers, body } = error.response()
        res.writeHead(status, headers).end(JSON.stringify(body))
        return
      }
      res.status(500).json({ message: (error as Error).message })
    }
    a.use(onError)
    return serve(a)
  },
})
