import type { FastifyRequest } from 'fastify'
import type { ServerConfig } from '../config.js'

/** Where log lines go: anything with `write(line)` (stdout by default). */
export type LogStream = { write(line: string): void }

/** What Fastify's `logger` option gets: pino options with a stream. */
export type LoggerOptions = {
  level: ServerConfig['logLevel']
  stream?: LogStream
  redact: string[]
  serializers: { req(request: FastifyRequest): Record<string, unknown> }
}

/** The request target without its query string: a credential sent there by mistake is never logged. */
function pathOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

type PrettyFactory = (options: Record<string, unknown>) => (line: string) => string

/** pino-pretty, when it is installed (it is optional: JSON is the production format). */
async function loadPretty(): Promise<PrettyFactory | undefined> {
  try {
    const module = (await import('pino-pretty')) as unknown as { prettyFactory?: PrettyFactory }
    return module.prettyFactory
  } catch {
    return undefined
  }
}

/**
 * Fastify's logger options for the token service: pino JSON lines (or pino-pretty for a
 * terminal), each request's lines carrying `reqId`; requests logged as method, path (never the
 * query string) and client IP; never a header. `auto` picks pretty only when the lines go to
 * stdout and stdout is a TTY.
 *
 * @example
 * ```ts
 * const app = Fastify({ logger: await createLoggerOptions({ config }) })
 * ```
 */
export async function createLoggerOptions(options: {
  config: Pick<ServerConfig, 'logLevel' | 'logFormat'>
  stream?: LogStream | undefined
  /** For `auto`; default `process.stdout.isTTY`. */
  isTTY?: boolean
}): Promise<{ logger: LoggerOptions; warning?: string }> {
  const { config } = options
  const logger: LoggerOptions = {
    level: config.logLevel,
    // Belt and braces: keygate never logs headers, but a credential must not leak if one does.
    redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'],
    serializers: {
      req: (request) => ({
        method: request.method,
        url: pathOf(request.url),
        remoteAddress: request.ip,
      }),
    },
  }
  if (options.stream !== undefined) logger.stream = options.stream
  const tty = options.isTTY ?? process.stdout.isTTY === true
  const pretty =
    config.logFormat === 'pretty' ||
    (config.logFormat === 'auto' && options.stream === undefined && tty)
  if (!pretty) return { logger }
  const factory = await loadPretty()
  if (factory === undefined) {
    return {
      logger,
      warning:
        config.logFormat === 'pretty'
          ? 'logFormat is pretty but pino-pretty is not installed: logging JSON'
          : undefined,
    }
  }
  const format = factory({
    colorize: options.stream === undefined && tty,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  })
  const out: LogStream = options.stream ?? process.stdout
  logger.stream = { write: (line) => out.write(format(line)) }
  return { logger }
}
