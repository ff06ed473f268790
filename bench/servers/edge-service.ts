/**
 * The edge bench's keygate processes: `edge-service.ts <service|proxy> <sqlite-file> <upstream>`.
 * `service`: the token service (`/v1/auth/check` for nginx), trusting loopback as its proxy,
 * with the bench user. `proxy`: `keygate proxy` in front of `<upstream>`, on the same database
 * file (started after the service has created it). Each prints `listening <url>`; SIGTERM
 * closes it.
 */
import { createProxy, createServer, createUser } from '@keygate/server'
import { BENCH_EMAIL, BENCH_PASSWORD } from './token-service-common.js'

const [role = 'service', file = '', upstream = ''] = process.argv.slice(2)

const server = await createServer({
  port: 0,
  logLevel: 'silent',
  database: { url: `sqlite:${file}` },
  trustProxy: ['127.0.0.1'],
  sessions: { issuer: 'http://127.0.0.1' },
  proxy: { upstream, serviceToken: 'bench-service-token-0123456789abcdefghij' },
  rateLimits: {
    createToken: {
      perIp: { limit: 1_000_000, windowSeconds: 60 },
      perEmail: { limit: 1_000_000, windowSeconds: 60 },
    },
  },
})
let close: () => Promise<void>
if (role === 'service') {
  await createUser({
    users: server.tokenService.store.users,
    email: BENCH_EMAIL,
    password: BENCH_PASSWORD,
    role: 'admin',
  })
  const url = await server.listen({ host: '127.0.0.1', port: 0 })
  console.log(`listening ${url}`)
  close = () => server.close()
} else {
  const proxy = createProxy({
    config: server.tokenService.config.proxy,
    edge: server.tokenService.edge,
    sessionCookie: server.tokenService.config.sessions.cookieName,
    logger: server.log,
  })
  const url = await proxy.listen({ host: '127.0.0.1', port: 0 })
  console.log(`listening ${url}`)
  close = async () => {
    await proxy.close()
    await server.close()
  }
}

process.once('SIGTERM', () => {
  close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
})
