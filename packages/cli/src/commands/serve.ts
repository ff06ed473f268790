import { createServer, issueSetupCode, setupCodePath, type KeygateServer } from '@keygate/server'
import type { Command, CommandInput } from '../lib/command.js'
import { commandConfig } from '../lib/command-config.js'
import { CommandError, UsageError } from '../lib/errors.js'
import { absoluteDatabaseURL } from '../lib/open-database.js'
import { CONFIG_OPTIONS } from '../lib/options.js'
import { formatTime } from '../lib/output.js'

const DEFAULT_SHUTDOWN_SECONDS = 10

function shutdownSeconds(raw: unknown): number {
  if (raw === undefined) return DEFAULT_SHUTDOWN_SECONDS
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 3600) {
    throw new UsageError('--shutdown-timeout must be a whole number of seconds (1-3600)')
  }
  return Number(raw)
}

/** Prints a status line on stderr: text, or one JSON object per line with `--json`. */
function status(input: CommandInput, text: string, json: Record<string, unknown>): void {
  input.io.stderr.write(input.values.json === true ? `${JSON.stringify(json)}\n` : `${text}\n`)
}

/**
 * Stops on the first SIGTERM/SIGINT: no new connections, in-flight requests finish, then the
 * server's onClose hooks flush the batched last-used times and close the database. Past the
 * timeout the remaining connections are cut (exit 1, still flushing); a second signal exits at
 * once.
 */
function waitForShutdown(
  server: KeygateServer,
  input: CommandInput,
  timeoutSeconds: number,
): Promise<number> {
  const signals = input.signals ?? process
  return new Promise((resolve) => {
    let closing = false
    const onSignal = (signal: string) => {
      if (closing) {
        status(input, `keygate: ${signal} again: exiting now`, { event: 'forced', signal })
        resolve(1)
        return
      }
      closing = true
      status(
        input,
        `keygate: ${signal}: stopped accepting connections; draining in-flight requests (up to ${timeoutSeconds} s)`,
        { event: 'stopping', signal, timeout_seconds: timeoutSeconds },
      )
      let code = 0
      const timer = setTimeout(() => {
        code = 1
        status(
          input,
          `keygate: requests still running after ${timeoutSeconds} s: closing their connections`,
          { event: 'timeout', timeout_seconds: timeoutSeconds },
        )
        server.server.closeAllConnections()
      }, timeoutSeconds * 1000)
      server.close().then(
        () => {
          clearTimeout(timer)
          status(input, 'keygate: stopped', { event: 'stopped', code })
          resolve(code)
        },
        (error: unknown) => {
          clearTimeout(timer)
          status(input, `keygate: shutdown failed (${(error as Error)?.name ?? 'error'})`, {
            event: 'stopped',
            code: 1,
          })
          resolve(1)
        },
      )
    }
    signals.on('SIGTERM', () => onSignal('SIGTERM'))
    signals.on('SIGINT', () => onSignal('SIGINT'))
  })
}

async function printSetupCode(server: KeygateServer, input: CommandInput, url: string) {
  const { config, store } = server.tokenService
  const file = setupCodePath(config.database.url, input.io.cwd)
  const issued = await issueSetupCode({ store, file })
  if (issued === undefined) return
  const setupURL = `${url}/v1/setup`
  if (input.values.json === true) {
    status(input, '', {
      event: 'setup_code',
      code: issued.code,
      url: setupURL,
      expires_at: issued.expiresAt.toISOString(),
      file: issued.file ?? null,
    })
    return
  }
  const body = JSON.stringify({ code: issued.code, email: 'you@example.com', password: '…' })
  status(
    input,
    [
      '',
      'keygate: no users yet. Create the first admin with this one-time setup code',
      `(single use, expires ${formatTime(issued.expiresAt)}):`,
      '',
      `    ${issued.code}`,
      '',
      `  open        ${url}/console in a browser`,
      `  or use it   POST ${setupURL}`,
      `  e.g.        curl -X POST ${setupURL} -H 'content-type: application/json' \\`,
      `                -d '${body}'`,
      issued.file === undefined
        ? '  (could not write the setup-code file; the code above is the only copy)'
        : `  also in     ${issued.file} (mode 0600; removed once used)`,
      '',
    ].join('\n'),
    {},
  )
}

/** `keygate serve`: the token service, with graceful shutdown and the first-start setup code. */
export const serveCommand: Command = {
  name: 'serve',
  usage: '[--host <host>] [--port <port>] [--database <url>] [--config <file>]',
  description: `
Serves the token service's HTTP API. The database is migrated at start (unless
database.migrate is false). On a database with no users, prints a one-time setup code
for POST /v1/setup, which creates the first admin (single use, valid one hour; also
written with mode 0600 to setup-code next to the SQLite file, or ./data/ for PostgreSQL).

Prints "keygate: listening on <url>" on stderr once it accepts connections; the JSON
request log goes to stdout. On SIGTERM or SIGINT it stops accepting connections, lets
in-flight requests finish (up to --shutdown-timeout), writes the batched last-used
times and closes the database: exit 0, or 1 if requests had to be cut.`,
  options: {
    host: {
      type: 'string',
      value: 'host',
      description: 'interface to listen on (default 127.0.0.1)',
    },
    port: {
      type: 'string',
      value: 'port',
      description: 'port to listen on; 0 picks a free one (default 4400)',
    },
    ...CONFIG_OPTIONS,
    'shutdown-timeout': {
      type: 'string',
      value: 'seconds',
      description: `how long in-flight requests may run after SIGTERM (default ${DEFAULT_SHUTDOWN_SECONDS})`,
    },
  },
  examples: [
    'keygate serve',
    'keygate serve --host 0.0.0.0 --port 8080 --database postgres://keygate@db/keygate',
    'KEYGATE_TOKENS_PEPPER="$(cat /run/secrets/pepper)" keygate serve --config /etc/keygate/keygate.config.json',
  ],
  async run(input) {
    const timeout = shutdownSeconds(input.values['shutdown-timeout'])
    const { config } = commandConfig(input, ['host', 'port', 'database'])
    const server = await createServer({
      ...config,
      database: { ...config.database, url: absoluteDatabaseURL(config.database.url, input.io.cwd) },
    })
    // Listening before the signal handlers would leave a window where SIGTERM kills the process
    // without draining; registering them first is harmless.
    const stopped = waitForShutdown(server, input, timeout)
    let url: string
    try {
      url = await server.listen({ host: config.host, port: config.port })
    } catch (error) {
      await server.close().catch(() => {})
      if ((error as { code?: unknown }).code === 'EADDRINUSE') {
        throw new CommandError(
          `${config.host}:${config.port} is already in use (is keygate already running?); stop it, or pick another port with --port or KEYGATE_PORT`,
        )
      }
      throw error
    }
    status(input, `keygate: listening on ${url}`, { event: 'listening', url })
    try {
      await printSetupCode(server, input, url)
    } catch (error) {
      await server.close().catch(() => {})
      throw error
    }
    return stopped
  },
}
