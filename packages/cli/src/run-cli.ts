import { readFileSync } from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { COMMANDS, type CommandEntry } from './commands/index.js'
import { ConfigLoadError, formatIssue } from './config/load-config.js'
import type { Command } from './lib/command.js'
import { CommandError, UsageError } from './lib/errors.js'
import { commandHelp, mainHelp, usageLine } from './lib/help.js'
import { processIO, type IO } from './lib/io.js'
import { COMMON_OPTIONS } from './lib/options.js'

/** Options of {@link runCLI}. */
export type RunCLIOptions = {
  /** Default: the process's streams, environment and working directory. */
  io?: IO
  /** Where `serve` listens for SIGTERM/SIGINT. Default `process`. */
  signals?: NodeJS.EventEmitter
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string
    }
    return pkg.version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/** The command named by the first one or two words, and the arguments after it. */
function findCommand(argv: readonly string[]): { entry: CommandEntry; rest: string[] } | undefined {
  const two = `${argv[0]} ${argv[1]}`
  const entry = COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === argv[0])
  if (entry === undefined) return undefined
  return { entry, rest: argv.slice(entry.name.split(' ').length) }
}

function isHelp(arg: string | undefined): boolean {
  return arg === '--help' || arg === '-h'
}

function parse(command: Command, args: string[]) {
  const options: NonNullable<ParseArgsConfig['options']> = {}
  for (const [name, spec] of Object.entries({ ...command.options, ...COMMON_OPTIONS })) {
    options[name] = { type: spec.type, ...(spec.short === undefined ? {} : { short: spec.short }) }
  }
  let parsed
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true })
  } catch (error) {
    const code = (error as { code?: string }).code
    // Only the flag's name: `--password=hunter2` must not be echoed back.
    const flag = /'(-[^'=]*)/.exec((error as Error).message)?.[1]
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const hint = command.flagHints?.[flag?.replace(/^-+/, '') ?? '']
      throw new UsageError(`unknown flag ${flag}${hint === undefined ? '' : ` (${hint})`}`)
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = flag
        ?.replace(/ <value>$/, '')
        .split(', ')
        .at(-1)
      const spec = name === undefined ? undefined : options[name.replace(/^--/, '')]
      throw new UsageError(
        spec?.type === 'boolean' ? `${name} takes no value` : `${name ?? 'a flag'} needs a value`,
      )
    }
    throw new UsageError((error as Error).message)
  }
  const expected = command.positionals ?? []
  const { positionals } = parsed
  if (positionals.length < expected.length) {
    throw new UsageError(
      `missing ${expected
        .slice(positionals.length)
        .map((p) => `<${p}>`)
        .join(' ')}`,
    )
  }
  if (positionals.length > expected.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[expected.length])}`)
  }
  return parsed
}

/** Redacts credentials a driver's message may quote (`postgres://user:secret@host`). */
function safeMessage(error: unknown): string {
  const e = error as { name?: string; code?: unknown; message?: unknown }
  const message = typeof e?.message === 'string' ? e.message : String(error)
  const redacted = message.replace(/(\/\/[^/\s:@]*:)[^@\s/]*@/g, '$1****@')
  return typeof e?.code === 'string' && !redacted.includes(e.code)
    ? `${redacted} (${e.code})`
    : redacted
}

function describeFailure(error: unknown): string[] {
  if (error instanceof ConfigLoadError) {
    return [
      ...error.issues.map((i) => `config: ${formatIssue(i)}`),
      ...error.warnings.map((w) => `warning: ${w}`),
    ]
  }
  const fields = (error as { errors?: { path: string; message: string }[] }).errors
  if ((error as { name?: string }).name === 'ServiceError' && Array.isArray(fields)) {
    return fields.map((f) => `${f.path.replace(/^\//, '')}: ${f.message}`)
  }
  return [safeMessage(error)]
}

/**
 * Runs the `keygate` command line: parses `argv` (without `node` and the script), runs the
 * command and resolves to the exit code — 0 success, 1 failure, 2 usage error. Output goes to
 * `io.stdout` (results) and `io.stderr` (`keygate: <message>`).
 *
 * @example
 * ```ts
 * process.exitCode = await runCLI(process.argv.slice(2))
 * ```
 */
export async function runCLI(
  argv: readonly string[],
  options: RunCLIOptions = {},
): Promise<number> {
  const io = options.io ?? processIO()
  const fail = (message: string, usage: string, helpHint: string): number => {
    io.stderr.write(`keygate: ${message}\n${usage}\nRun '${helpHint}' for details.\n`)
    return 2
  }
  const [first] = argv
  if (first === undefined) {
    io.stderr.write(mainHelp(COMMANDS))
    return 2
  }
  if (isHelp(first) || (first === 'help' && argv.length === 1)) {
    io.stdout.write(mainHelp(COMMANDS))
    return 0
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    io.stdout.write(`keygate ${version()}\n`)
    return 0
  }
  if (first === 'help') return runCLI([...argv.slice(1), '--help'], options)

  const found = findCommand(argv)
  if (found === undefined) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `))
    if (group.length > 0) {
      const names = group.map((c) => c.name.split(' ')[1]).join('|')
      if (isHelp(argv[1])) {
        io.stdout.write(
          `Usage: keygate ${first} <${names}> [options]\n\nCommands:\n\n${group
            .map((c) => `  ${c.name.padEnd(16)}   ${c.summary}`)
            .join('\n')}\n`,
        )
        return 0
      }
      const message =
        argv[1] === undefined || argv[1].startsWith('-')
          ? `${first}: missing command (${names})`
          : `unknown command '${first} ${argv[1]}'`
      return fail(
        message,
        `Usage: keygate ${first} <${names}> [options]`,
        `keygate ${first} --help`,
      )
    }
    return fail(
      first.startsWith('-') ? `unknown flag ${first}` : `unknown command '${first}'`,
      'Usage: keygate <command> [options]',
      'keygate --help',
    )
  }

  const command = await found.entry.load()
  if (found.rest.some(isHelp)) {
    io.stdout.write(commandHelp(command))
    return 0
  }
  let parsed
  try {
    parsed = parse(command, found.rest)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    return fail(error.message, usageLine(command), `keygate ${command.name} --help`)
  }
  try {
    return await command.run({
      // No option is declared `multiple`, so every value is a string or a boolean.
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
      io,
      ...(options.signals === undefined ? {} : { signals: options.signals }),
    })
  } catch (error) {
    if (error instanceof UsageError) {
      return fail(error.message, usageLine(command), `keygate ${command.name} --help`)
    }
    for (const line of describeFailure(error)) io.stderr.write(`keygate: ${line}\n`)
    if (!(error instanceof CommandError) && !(error instanceof ConfigLoadError)) {
      const cause = (error as { cause?: unknown }).cause
      if (cause !== undefined && cause !== null)
        io.stderr.write(`keygate:   caused by: ${safeMessage(cause)}\n`)
    }
    return 1
  }
}
