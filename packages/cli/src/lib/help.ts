import type { Command, OptionSpec } from './command.js'
import { COMMON_OPTIONS } from './options.js'

/** `Usage: keygate token create --user <email> --name <name> [options]` */
export function usageLine(command: Pick<Command, 'name' | 'usage'>): string {
  return `Usage: keygate ${command.name}${command.usage === '' ? '' : ` ${command.usage}`}`
}

function optionRows(options: Readonly<Record<string, OptionSpec>>): string[][] {
  return Object.entries(options).map(([name, spec]) => [
    `${spec.short === undefined ? '    ' : `-${spec.short}, `}--${name}${spec.value === undefined ? '' : ` <${spec.value}>`}`,
    spec.description,
  ])
}

function columns(rows: string[][], indent = '  '): string {
  const width = Math.max(...rows.map((r) => r[0]!.length))
  return rows.map((r) => `${indent}${r[0]!.padEnd(width)}   ${r[1]}`).join('\n')
}

/** The `--help` text of one command: usage, description, examples, options. */
export function commandHelp(command: Command): string {
  const sections = [
    usageLine(command),
    command.description
      .trim()
      .split('\n')
      .map((line) => (line === '' ? '' : `  ${line}`))
      .join('\n'),
    `Examples:\n\n${command.examples.map((e) => `  $ ${e}`).join('\n')}`,
    `Options:\n\n${columns(optionRows({ ...command.options, ...COMMON_OPTIONS }))}`,
  ]
  return `${sections.join('\n\n')}\n`
}

/** The top-level help: every command with its summary. */
export function mainHelp(commands: readonly { name: string; summary: string }[]): string {
  return `Usage: keygate <command> [options]

  keygate runs the token service and manages its users and API tokens from the command line.
  Configuration: flags > environment (KEYGATE_*) > keygate.config.json; see docs/configuration.md.

Commands:

${columns(commands.map((c) => [c.name, c.summary]))}

Examples:

  $ keygate serve
  $ keygate config check
  $ echo "$ADMIN_PASSWORD" | keygate user create --email ops@example.com --role admin --password-stdin
  $ keygate token create --user ops@example.com --name ci --scopes tokens:read --json

Every command takes --help (-h) and --json. Exit codes: 0 success, 1 failure, 2 usage error.
Run 'keygate <command> --help' for a command's options.
`
}
