import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  CONFIG_KEYS,
  ConfigError,
  envName,
  parseConfigValue,
  readConfigEnv,
  resolveConfig,
  type ServerConfig,
} from '@keygate/server'
import { UsageError } from '../lib/errors.js'

/** The configuration file read from the working directory when no other is named. */
export const DEFAULT_CONFIG_FILE = 'keygate.config.json'

/** Flags every command that reads the configuration accepts, and the key each one sets. */
export const FLAG_KEYS: Readonly<Record<string, string>> = {
  host: 'host',
  port: 'port',
  database: 'database.url',
  // `keygate proxy`: its --host and --port are the proxy's, not the token service's.
  upstream: 'proxy.upstream',
  'proxy-host': 'proxy.host',
  'proxy-port': 'proxy.port',
}

/** Options of {@link loadConfig}. */
export type LoadConfigOptions = {
  /** Flag values by flag name (`{ port: '8080', database: 'postgres://…' }`); see {@link FLAG_KEYS}. */
  flags?: Readonly<Record<string, string | undefined>>
  /** Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  /**
   * The configuration file (`--config`). Default: `KEYGATE_CONFIG`, else `keygate.config.json`
   * in `cwd` when it exists. A named file must exist.
   */
  file?: string | undefined
  /** Default `process.cwd()`. */
  cwd?: string
}

/** One bad key: where its value came from (a file, a variable, a flag) and what is wrong. */
export type ConfigLoadIssue = { key: string; source: string | undefined; message: string }

/** The effective configuration and where each value came from. */
export type LoadedConfig = {
  config: ServerConfig
  /** Source of every key that is not a default: the file's path, `KEYGATE_…`, or `--flag`. */
  sources: Readonly<Record<string, string>>
  /** The file read, if any (absolute path). */
  file: string | undefined
  /** `KEYGATE_*` variables that are not configuration keys (probably misspelt). */
  warnings: readonly string[]
}

/** The configuration is invalid: one issue per bad key. */
export class ConfigLoadError extends Error {
  readonly issues: readonly ConfigLoadIssue[]
  /** As {@link LoadedConfig.warnings}: often the reason for an issue (a misspelt variable). */
  readonly warnings: readonly string[]
  constructor(issues: readonly ConfigLoadIssue[], warnings: readonly string[] = []) {
    super(issues.map(formatIssue).join('\n'))
    this.name = 'ConfigLoadError'
    this.issues = issues
    this.warnings = warnings
  }
}

/** `port must be an integer between 0 and 65535 (from KEYGATE_PORT)` */
export function formatIssue(issue: ConfigLoadIssue): string {
  const key = issue.key === '' ? '' : `${issue.key} `
  return `${key}${issue.message}${issue.source === undefined ? '' : ` (from ${issue.source})`}`
}

type Input = Record<string, unknown>

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Leaf paths of a parsed file: objects are walked, anything else (arrays included) is a leaf. */
function leaves(value: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = []
  for (const [name, child] of Object.entries(value)) {
    const path = prefix === '' ? name : `${prefix}.${name}`
    if (isRecord(child) && !(path in CONFIG_KEYS) && Object.keys(child).length > 0) {
      out.push(...leaves(child, path))
    } else out.push(path)
  }
  return out
}

/** Sets `path` in `input`, creating objects on the way; a non-object in the way is left for
 * `resolveConfig` to report (`database must be an object`). */
function setPath(input: Input, path: string, value: unknown): boolean {
  const segments = path.split('.')
  let node = input
  for (const segment of segments.slice(0, -1)) {
    if (node[segment] === undefined) node[segment] = {}
    const next = node[segment]
    if (!isRecord(next)) return false
    node = next
  }
  node[segments.at(-1)!] = value
  return true
}

function valueAt(input: unknown, path: string): unknown {
  let node = input
  for (const segment of path.split('.')) node = (node as Record<string, unknown>)[segment]
  return node
}

function setSource(sources: Record<string, string>, path: string, source: string): void {
  // A value set whole (an object from a variable) replaces what the file said below it.
  for (const key of Object.keys(sources)) if (key.startsWith(`${path}.`)) delete sources[key]
  sources[path] = source
}

/** The source(s) behind an issue's key: the key itself, what was set below it, or above it. */
function sourceOf(sources: Readonly<Record<string, string>>, key: string): string | undefined {
  if (sources[key] !== undefined) return sources[key]
  const found = new Set<string>()
  for (const [path, source] of Object.entries(sources)) {
    if (path.startsWith(`${key}.`) || key.startsWith(`${path}.`)) found.add(source)
  }
  return found.size === 0 ? undefined : [...found].join(', ')
}

function readConfigFile(path: string, display: string): Input {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error'
    throw new ConfigLoadError([
      { key: '', source: undefined, message: `cannot read ${display} (${code})` },
    ])
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    // Only the position: the parser's own message may quote the file, secrets included.
    const position = /position (\d+)/.exec((error as Error).message)?.[1]
    let where = ''
    if (position !== undefined) {
      const before = text.slice(0, Number(position))
      const line = before.split('\n').length
      const column = Number(position) - before.lastIndexOf('\n')
      where = ` at line ${line}, column ${column}`
    }
    throw new ConfigLoadError([
      { key: '', source: undefined, message: `${display} is not valid JSON${where}` },
    ])
  }
  if (!isRecord(parsed)) {
    throw new ConfigLoadError([
      { key: '', source: undefined, message: `${display} must hold a JSON object` },
    ])
  }
  return parsed
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 4
  for (const candidate of candidates) {
    const d = distance(name, candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]!
}

/**
 * Builds the effective configuration: flags > environment (`KEYGATE_*`) > the configuration file
 * > defaults, then validates it once with the server's `resolveConfig` (unknown keys are errors).
 *
 * @throws ConfigLoadError listing every bad key with the file, variable or flag it came from.
 * @throws UsageError when a flag's value does not parse (`--port eighty`).
 * @example
 * ```ts
 * const { config, sources } = loadConfig({ flags: { port: '8080' }, env: process.env })
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const sources: Record<string, string> = {}
  const issues: ConfigLoadIssue[] = []

  const named = options.file ?? (env.KEYGATE_CONFIG || undefined)
  const path = resolve(cwd, named ?? DEFAULT_CONFIG_FILE)
  let input: Input = {}
  let file: string | undefined
  if (named !== undefined || existsSync(path)) {
    const display = named ?? DEFAULT_CONFIG_FILE
    input = readConfigFile(path, display)
    file = path
    for (const leaf of leaves(input)) sources[leaf] = display
  }

  const fromEnv = readConfigEnv(env)
  issues.push(...fromEnv.issues)
  for (const [key, name] of Object.entries(fromEnv.sources)) {
    if (setPath(input, key, valueAt(fromEnv.input, key))) setSource(sources, key, name)
  }

  for (const [flag, raw] of Object.entries(options.flags ?? {})) {
    if (raw === undefined) continue
    const key = FLAG_KEYS[flag]
    if (key === undefined) throw new TypeError(`loadConfig(): unknown flag ${flag}`)
    let value: unknown
    try {
      value = parseConfigValue(CONFIG_KEYS[key]!.type, raw)
    } catch (error) {
      throw new UsageError(`--${flag} ${(error as Error).message}`)
    }
    if (setPath(input, key, value)) setSource(sources, key, `--${flag}`)
  }

  const known = Object.entries(CONFIG_KEYS).map(([key]) => envName(key))
  const warnings = fromEnv.unknown.map((name) => {
    if (name.startsWith('KEYGATE_BOOTSTRAP_ADMIN_')) {
      return `${name} is no longer read: the first admin is created with the setup code that keygate serve prints (or keygate user create)`
    }
    const guess = closest(name, known)
    return `${name} is not a configuration variable${guess === undefined ? '' : ` (did you mean ${guess}?)`}`
  })

  let config: ServerConfig | undefined
  try {
    config = resolveConfig(input)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const issue of error.issues) {
      issues.push({ key: issue.key, source: sourceOf(sources, issue.key), message: issue.message })
    }
  }
  if (issues.length > 0 || config === undefined) throw new ConfigLoadError(issues, warnings)
  // A variable the configuration names (metrics.serviceToken: {"env": "KEYGATE_SCRAPE_TOKEN"})
  // is read by the server: not a misspelling.
  const referenced = new Set(JSON.stringify(config).match(/"KEYGATE_[A-Z0-9_]+"/g) ?? [])
  return {
    config,
    sources,
    file,
    warnings: warnings.filter((w) => !referenced.has(`"${w.split(' ')[0]}"`)),
  }
}
