import type { OptionSpec } from './command.js'

/** `--config` and `--database`: every command that opens the database or reads the configuration. */
export const CONFIG_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  config: {
    type: 'string',
    value: 'file',
    description:
      'configuration file (default: $KEYGATE_CONFIG, else ./keygate.config.json when it exists)',
  },
  database: {
    type: 'string',
    value: 'url',
    description: 'sqlite:<path> or postgres://… (default: sqlite:./data/keygate.db)',
  },
}

/** Added to every command. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', description: 'print machine-readable JSON on stdout' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
}
