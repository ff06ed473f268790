#!/usr/bin/env node
/**
 * `keygate` — this release's commands: `serve` and `migrate` (the full CLI comes later).
 * Configuration comes from `KEYGATE_*` environment variables (see `configFromEnv`). On a fresh
 * clone, the SQLite store creates `./data/` itself.
 */
import { configFromEnv, resolveConfig, type ServerConfig } from '../config.js'
import { createServer } from '../create-server.js'
import { BOOTSTRAP_PASSWORD, bootstrapAdmin } from '../services/bootstrap-admin.js'
import { openStore } from '../store/index.js'

const USAGE = `usage: keygate <command>

commands:
  serve     serve the token service (default http://127.0.0.1:4400, SQLite under ./data/)
  migrate   apply pending database migrations and exit

environment: KEYGATE_HOST, KEYGATE_PORT, KEYGATE_DATABASE_URL, KEYGATE_TOKEN_PREFIX,
  KEYGATE_TOKEN_PEPPER, KEYGATE_TRUST_PROXY, KEYGATE_BODY_LIMIT, KEYGATE_LOG_LEVEL,
  KEYGATE_BOOTSTRAP_ADMIN_EMAIL + KEYGATE_BOOTSTRAP_ADMIN_PASSWORD (interim: first admin)`

async function serve(config: ServerConfig): Promise<void> {
  const server = await createServer(config)
  const outcome = await bootstrapAdmin({
    store: server.tokenService.store,
    env: process.env,
    log: server.log,
  })
  // Read once: the password does not linger in this process's environment.
  delete process.env[BOOTSTRAP_PASSWORD]
  if (outcome === 'created')
    server.log.info({}, 'keygate: you can now create a token with POST /v1/auth/tokens')
  let closing = false
  const stop = (signal: string) => {
    if (closing) process.exit(1)
    closing = true
    server.log.info({ signal }, 'keygate: shutting down (flushing last-used times)')
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
  await server.listen({ host: config.host, port: config.port })
}

async function migrate(config: ServerConfig): Promise<void> {
  const store = await openStore({ url: config.database.url, schema: config.database.schema })
  try {
    const { applied } = await store.migrate()
    console.log(
      applied.length === 0
        ? 'keygate: database is up to date'
        : `keygate: applied ${applied.join(', ')}`,
    )
  } finally {
    await store.close()
  }
}

async function main(argv: string[]): Promise<number> {
  const [command] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE)
    return command === undefined ? 2 : 0
  }
  if (command !== 'serve' && command !== 'migrate') {
    console.error(`keygate: unknown command ${JSON.stringify(command)}\n\n${USAGE}`)
    return 2
  }
  let config: ServerConfig
  try {
    config = resolveConfig(configFromEnv(process.env))
  } catch (error) {
    console.error((error as Error).message)
    return 78 // EX_CONFIG
  }
  if (command === 'serve') await serve(config)
  else await migrate(config)
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code)
  },
  (error: unknown) => {
    // The class and code only: a driver's message can quote a connection string.
    const e = error as { name?: string; code?: unknown; message?: string }
    const safe = e?.name === 'TypeError' || e?.name === 'ServiceError' ? `: ${e.message}` : ''
    console.error(
      `keygate: failed to start (${e?.name ?? typeof error}${typeof e?.code === 'string' ? ` ${e.code}` : ''})${safe}`,
    )
    process.exit(1)
  },
)
