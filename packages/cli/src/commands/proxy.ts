import { createProxy, createServer } from '@keygate/server'
import { loadConfig } from '../config/load-config.js'
import type { Command, CommandInput } from '../lib/command.js'
import { UsageError } from '../lib/errors.js'
import { absoluteDatabaseURL } from '../lib/open-database.js'
import { CONFIG_OPTIONS } from '../lib/options.js'

/** Prints a status line on stderr: text, or one JSON object per line with `--json`. */
function status(input: CommandInput, text: string, json: Record<string, unknown>): void {
  input.io.stderr.write(input.values.json === true ? `${JSON.stringify(json)}\n` : `${text}\n`)
}

/** `keygate proxy --upstream <url>`: the token service's gate in front of any HTTP service. */
export const proxyCommand: Command = {
  name: 'proxy',
  usage: '--upstream <url> [--host <host>] [--port <port>] [--database <url>] [--config <file>]',
  description: `
A reverse proxy in front of any HTTP service. Every request is authenticated like
GET /v1/auth/check (API tokens and sessions, the forwardAuth.rules); a refusal is
answered here (401/403 problem+json with WWW-Authenticate) and never reaches the
upstream. An allowed request is forwarded with every client-sent identity header
removed (Keygate-Assertion, X-Keygate-*, X-On-Behalf-Of, the service-token header, and
Authorization unless proxy.passAuthorization) and the proxy's own added: X-Keygate-*,
a Keygate-Assertion JWT for the upstream's origin (verify it with gatewayAssertion or
against /.well-known/jwks.json), X-Forwarded-* and the service token
(KEYGATE_PROXY_SERVICE_TOKEN, in proxy.serviceTokenHeader).

It uses the token service's database (and Redis, if configured): run it beside
keygate serve with the same configuration. Bodies stream both ways; upstream
connections are kept alive; an unreachable upstream is 502, a slow one 504.

Prints "keygate: proxying <url> -> <upstream>" on stderr once it accepts connections.
On SIGTERM or SIGINT it stops accepting connections, lets requests under way finish
and exits 0.`,
  options: {
    upstream: {
      type: 'string',
      value: 'url',
      description: 'the service to forward to, http(s)://host[:port][/base] (proxy.upstream)',
    },
    host: {
      type: 'string',
      value: 'host',
      description: 'interface to listen on (default 127.0.0.1; proxy.host)',
    },
    port: {
      type: 'string',
      value: 'port',
      description: 'port to listen on; 0 picks a free one (default 4401; proxy.port)',
    },
    ...CONFIG_OPTIONS,
  },
  examples: [
    'keygate proxy --upstream http://127.0.0.1:3000',
    'KEYGATE_PROXY_SERVICE_TOKEN="$(cat /run/secrets/svc)" keygate proxy --upstream http://app:8080 --host 0.0.0.0 --port 8443',
  ],
  async run(input) {
    const { values, io } = input
    const loaded = loadConfig({
      flags: {
        upstream: values.upstream as string | undefined,
        'proxy-host': values.host as string | undefined,
        'proxy-port': values.port as string | undefined,
        database: values.database as string | undefined,
      },
      env: io.env,
      file: values.config as string | undefined,
      cwd: io.cwd,
    })
    for (const warning of loaded.warnings) io.stderr.write(`keygate: warning: ${warning}\n`)
    const { config } = loaded
    if (config.proxy.upstream === undefined) {
      throw new UsageError(
        '--upstream <url> is required (or proxy.upstream / KEYGATE_PROXY_UPSTREAM)',
      )
    }
    const service = await createServer({
      ...config,
      database: { ...config.database, url: absoluteDatabaseURL(config.database.url, io.cwd) },
    })
    const proxy = createProxy({
      config: service.tokenService.config.proxy,
      edge: service.tokenService.edge,
      sessionCookie: service.tokenService.config.sessions.cookieName,
      logger: service.log,
    })
    const signals = input.signals ?? process
    const stopped = new Promise<number>((resolve) => {
      let closing = false
      const onSignal = (signal: string) => {
        if (closing) return resolve(1)
        closing = true
        status(input, `keygate: ${signal}: stopping the proxy`, { event: 'stopping', signal })
        proxy
          .close()
          .then(() => service.close())
          .then(
            () => {
              status(input, 'keygate: stopped', { event: 'stopped', code: 0 })
              resolve(0)
            },
            () => resolve(1),
          )
      }
      signals.on('SIGTERM', () => onSignal('SIGTERM'))
      signals.on('SIGINT', () => onSignal('SIGINT'))
    })
    let url: string
    try {
      url = await proxy.listen({ host: config.proxy.host, port: config.proxy.port })
    } catch (error) {
      await proxy.close().catch(() => {})
      await service.close().catch(() => {})
      throw error
    }
    status(input, `keygate: proxying ${url} -> ${config.proxy.upstream}`, {
      event: 'listening',
      url,
      upstream: config.proxy.upstream,
    })
    return stopped
  },
}
