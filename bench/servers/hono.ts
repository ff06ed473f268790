/**
 * Hono on `@hono/node-server`: `hono.ts <variant>`. `none`; `keygate` (the service-token gate);
 * `peer` (`hono/bearer-auth`); `apitokens-warm` / `apitokens-off` (`apiTokens` over the SQLite
 * store of `@keygate/server`, verification cache on / off); `better-auth` (`verifyApiKey` over
 * SQLite, the peer of `apitokens-off`). The API-token variants print the `Authorization` value to
 * send (`authorization <value>`) before `listening <url>`.
 */
import { serve } from '@hono/node-server'
import {
  apiTokens,
  createAuthenticator,
  serviceToken,
  staticSecrets,
  type Strategy,
} from '@keygate/core'
import { keygate } from '@keygate/hono'
import { Hono } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import { announce, SECRET, variant } from './common.js'

const app = new Hono()
const gate = (strategy: Strategy) =>
  keygate({ authenticator: createAuthenticator({ strategies: [strategy] }) })

if (variant === 'keygate') {
  app.use(gate(serviceToken({ source: staticSecrets([SECRET]) })))
} else if (variant === 'peer') {
  app.use(bearerAuth({ token: SECRET }))
} else if (variant === 'apitokens-warm' || variant === 'apitokens-off') {
  // Loaded only here, so that the other variants' memory does not include the server package.
  const { openBenchTokenStore } = await import('./api-token-store.js')
  const { verifier, token } = await openBenchTokenStore()
  app.use(
    gate(apiTokens({ store: verifier, ...(variant === 'apitokens-off' && { cache: false }) })),
  )
  console.log(`authorization Bearer ${token}`)
} else if (variant === 'better-auth') {
  const { openBetterAuth } = await import('./better-auth.js')
  const { verify, key } = await openBetterAuth()
  app.use(async (c, next) => {
    const header = c.req.header('authorization')
    const presented = header?.startsWith('Bearer ') ? header.slice(7) : undefined
    if (presented === undefined || !(await verify(presented))) {
      return c.json({ error: 'unauthorized' }, 401)
    }
    await next()
  })
  console.log(`authorization Bearer ${key}`)
} else if (variant !== 'none') {
  console.error(`hono: no variant ${String(variant)}`)
  process.exit(3)
}
app.get('/', (c) => c.json({ hello: 'world' }))
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port))
