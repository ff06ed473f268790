import { loadConfig, type LoadedConfig } from '../config/load-config.js'
import type { CommandInput } from './command.js'

/**
 * The effective configuration of a command: its `--config`, `--database` (and for `serve`,
 * `--host`/`--port`) over the environment over the file. Warnings (a misspelt `KEYGATE_*`
 * variable) go to stderr.
 *
 * @throws ConfigLoadError naming every bad key.
 */
export function commandConfig(
  input: CommandInput,
  flags: readonly string[] = ['database'],
): LoadedConfig {
  const { values, io } = input
  const loaded = loadConfig({
    flags: Object.fromEntries(flags.map((f) => [f, values[f] as string | undefined])),
    env: io.env,
    file: values.config as string | undefined,
    cwd: io.cwd,
  })
  for (const warning of loaded.warnings) io.stderr.write(`keygate: warning: ${warning}\n`)
  return loaded
}
