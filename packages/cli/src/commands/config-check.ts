import { ConfigLoadError, formatIssue, loadConfig } from '../config/load-config.js'
import { flattenConfig, maskConfig } from '../config/mask-config.js'
import type { Command } from '../lib/command.js'
import { CONFIG_OPTIONS } from '../lib/options.js'
import { formatTable, printJSON } from '../lib/output.js'

function show(value: unknown): string {
  if (value === undefined || value === null) return '(unset)'
  if (typeof value === 'string') return value
  return JSON.stringify(value)
}

/** `keygate config check`: validates the effective configuration and prints it, secrets masked. */
export const configCheckCommand: Command = {
  name: 'config check',
  usage: '[--config <file>] [--database <url>] [--host <host>] [--port <port>]',
  description: `
Builds the configuration keygate serve would run with — flags > environment (KEYGATE_*) >
keygate.config.json > defaults — validates it, and prints every key with its value and
where the value came from. Secrets are masked: tokens.pepper, passwords in database and
Redis URLs, and every key named like a secret.

Exits 1 when the configuration is invalid, with one line per bad key naming the file,
variable or flag it came from. Unknown keys are errors; unknown KEYGATE_* variables are
warnings (often a misspelling).

JSON: {"valid": true, "file", "config": {…masked…}, "sources": {"<key>": "<source>"}, "warnings": […]}
or {"valid": false, "errors": [{"key", "source", "message"}], "warnings": […]}.`,
  options: {
    ...CONFIG_OPTIONS,
    host: { type: 'string', value: 'host', description: 'as keygate serve --host' },
    port: { type: 'string', value: 'port', description: 'as keygate serve --port' },
  },
  examples: [
    'keygate config check',
    'keygate config check --config /etc/keygate/keygate.config.json',
    'KEYGATE_PORT=8080 keygate config check --json | jq .sources',
  ],
  run(input) {
    const { values, io } = input
    const json = values.json === true
    let loaded
    try {
      loaded = loadConfig({
        flags: {
          host: values.host as string | undefined,
          port: values.port as string | undefined,
          database: values.database as string | undefined,
        },
        env: io.env,
        file: values.config as string | undefined,
        cwd: io.cwd,
      })
    } catch (error) {
      if (!(error instanceof ConfigLoadError)) throw error
      for (const issue of error.issues) io.stderr.write(`keygate: config: ${formatIssue(issue)}\n`)
      for (const warning of error.warnings) io.stderr.write(`keygate: warning: ${warning}\n`)
      if (json) {
        printJSON(io, {
          valid: false,
          errors: error.issues.map((i) => ({
            key: i.key,
            source: i.source ?? null,
            message: i.message,
          })),
          warnings: error.warnings,
        })
      }
      return Promise.resolve(1)
    }
    for (const warning of loaded.warnings) io.stderr.write(`keygate: warning: ${warning}\n`)
    const masked = maskConfig(loaded.config)
    if (json) {
      printJSON(io, {
        valid: true,
        file: loaded.file ?? null,
        config: masked,
        sources: loaded.sources,
        warnings: loaded.warnings,
      })
      return Promise.resolve(0)
    }
    const rows = flattenConfig(masked).map(({ key, value }) => [
      key,
      show(value),
      loaded.sources[key] ?? sourceBelow(loaded.sources, key) ?? 'default',
    ])
    io.stdout.write(
      `The configuration is valid (${loaded.file === undefined ? 'no configuration file' : `file: ${loaded.file}`}).\n\n`,
    )
    io.stdout.write(formatTable(['key', 'value', 'source'], rows))
    return Promise.resolve(0)
  },
}

/** A key set as a whole object in the file (`scopes`) has its sources on the leaves below it. */
function sourceBelow(sources: Readonly<Record<string, string>>, key: string): string | undefined {
  const found = new Set<string>()
  for (const [path, source] of Object.entries(sources)) {
    if (path.startsWith(`${key}.`)) found.add(source)
  }
  return found.size === 0 ? undefined : [...found].join(', ')
}
