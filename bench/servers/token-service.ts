/**
 * The token service as the server bench runs it, in its own process:
 * `token-service.ts <sqlite|postgres> <cache-on|cache-off> [pg-url]`. Adds one route for the
 * bench, `GET /bench/protected` — `/health`'s twin behind an API token with `tokens:read` — so
 * that the difference between the two is the authentication and nothing else. Prints
 * `listening <url>`; SIGTERM closes the server and drops its database.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createServer, createUser } from '@keygate/server'
import { BENCH_PASSWORD, BENCH_EMAIL } from './token-service-common.js'

const [backend = 'sqlite', cache = 'cache-on', pgUrl = 'postgres://root@127.0.0.1:5432/test'] =
  process.argv.slice(2)

let database: { url: string; schema?: string }
let drop: () => Promise<void>
if (backend === 'postgres') {
  const schema = `kg_bench_${Math.random().toString(36).slice(2, 10)}`
  database = { url: pgUrl, schema }
  drop = async () => {
    const client = new pg.Client({ connectionString: pgUrl })
    await client.connect()
    await client.query(`drop schema if exists "${schema}" cascade`)
    await client.end()
  }
} else {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-bench-'))
  database = { url: `sqlite:${join(dir, 'keygate.db')}` }
  drop = () => {
    rmSync(dir, { recursive: true, force: true })
    return Promise.resolve()
  }
}

const server = await createServer({
  port: 0,
  logLevel: 'silent',
  database,
  cache: cache === 'cache-off' ? { ttlMs: 0 } : {},
  rateLimits: {
    createToken: {
      perIp: { limit: 1_000_000, windowSeconds: 60 },
      perEmail: { limit: 1_000_000, windowSeconds: 60 },
    },
  },
})
server.route({
  method: 'GET',
  url: '/bench/protected',
  config: { keygate: { scopes: ['tokens:read'] } },
  // /health's response schema too, so that both serialise alike and only the auth differs.
  schema: {
    response: {
      200: {
        type: 'object',
        additionalProperties: false,
        required: ['status'],
        properties: { status: { type: 'string', enum: ['ok'] } },
      },
    },
  },
  handler: (_request, reply) => reply.send({ status: 'ok' }),
})
await createUser({
  users: server.tokenService.store.users,
  email: BENCH_EMAIL,
  password: BENCH_PASSWORD,
  role: 'admin',
})
const url = await server.listen({ host: '127.0.0.1', port: 0 })
console.log(`listening ${url}`)

process.once('SIGTERM', () => {
  server
    .close()
    .then(drop)
    .then(
      () => process.exit(0),
      () => process.exit(1),
    )
})
