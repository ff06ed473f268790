export { runCLI, type RunCLIOptions } from './run-cli.js'
export {
  ConfigLoadError,
  DEFAULT_CONFIG_FILE,
  FLAG_KEYS,
  formatIssue,
  loadConfig,
  type ConfigLoadIssue,
  type LoadConfigOptions,
  type LoadedConfig,
} from './config/load-config.js'
export { maskConfig, maskURL, MASK } from './config/mask-config.js'
export type { IO } from './lib/io.js'
