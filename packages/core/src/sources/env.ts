import type { SecretSource } from './secret-source.js'

/** Options of {@link env}. */
export type EnvSourceOptions = {
  /** Where to read; defaults to `process.env` (read at every load, so a reload sees changes). */
  env?: Readonly<Record<string, string | undefined>>
}

/**
 * Secrets from one environment variable: one value, or several separated by `,` for a rotation
 * overlap (`KEYGATE_SERVICE_TOKEN=new,old`). Unset or empty means "unset", not an error.
 *
 * @example
 * ```ts
 * serviceToken({ source: env('KEYGATE_SERVICE_TOKEN') })
 * ```
 */
export function env(name: string, options: EnvSourceOptions = {}): SecretSource {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError('env(): name must be a non-empty string')
  }
  return {
    name: `env:${name}`,
    load() {
      const vars =
        options.env ??
        (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ??
        {}
      const raw = vars[name] ?? ''
      const values = raw
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '')
      return Promise.resolve(
        values.map((value, i) => ({ value, label: i === 0 ? 'current' : 'additional' })),
      )
    },
  }
}

/**
 * A fixed set of secrets, for tests and for secrets your own code already holds.
 *
 * @example
 * ```ts
 * serviceToken({ source: staticSecrets(['a-long-random-secret']) })
 * ```
 */
export function staticSecrets(values: readonly string[]): SecretSource {
  const secrets = values.map((value) => {
    if (typeof value !== 'string' || value === '') {
      throw new TypeError('staticSecrets(): every secret must be a non-empty string')
    }
    return { value }
  })
  return { name: 'static', load: () => Promise.resolve(secrets) }
}
