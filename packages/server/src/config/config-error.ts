import type { ConfigIssue } from './server-config.js'

/**
 * Thrown by {@link resolveConfig}: every bad key, one line each (`keygate config: <key> <what>`).
 * `issues` lists them for tools (`keygate config check`).
 */
export class ConfigError extends TypeError {
  readonly issues: readonly ConfigIssue[]
  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((i) => `keygate config: ${i.key} ${i.message}`).join('\n'))
    this.name = 'ConfigError'
    this.issues = Object.freeze([...issues])
  }
}
