import type { IO } from './io.js'

/** One flag of a command. */
export type OptionSpec = {
  type: 'string' | 'boolean'
  short?: string
  /** Placeholder in the help: `--user <email>`. */
  value?: string
  description: string
}

/** What a command's `run` receives: parsed flags, positionals and the streams. */
export type CommandInput = {
  values: Readonly<Record<string, string | boolean | undefined>>
  positionals: readonly string[]
  io: IO
  /** Sets up the shutdown of a long-running command (tests pass their own). */
  signals?: NodeJS.EventEmitter
}

/** One command of the `keygate` binary (`token create`, `serve`, …): one file each. */
export type Command = {
  /** `token create` */
  name: string
  /** What follows `keygate <name>` in the usage line: `--user <email> --name <name> [options]`. */
  usage: string
  /** A paragraph or two for `--help`. */
  description: string
  /** The command's own flags; `--json` and `--help` are added to every command. */
  options: Readonly<Record<string, OptionSpec>>
  /** Names of positional arguments, in order (`<id>`); all required. */
  positionals?: readonly string[]
  /** Hints for flags people try that do not exist: `{ password: 'use --password-stdin' }`. */
  flagHints?: Readonly<Record<string, string>>
  /** Shown under "Examples:" in `--help`, one command line each (`$ ` is added). */
  examples: readonly string[]
  /** Resolves to the exit code. Throws `UsageError` (2) or anything else (1). */
  run(input: CommandInput): Promise<number>
}
