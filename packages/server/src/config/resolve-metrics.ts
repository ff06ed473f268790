import { checkKeys, fail, pick, str } from './lib/checks.js'
import type { ServerConfig } from './server-config.js'

/** Validates `metrics`: the switch, the protection and where the scrape secret comes from. */
export function resolveMetrics(
  value: unknown,
  defaults: ServerConfig['metrics'],
): ServerConfig['metrics'] {
  const input = checkKeys(value ?? {}, 'metrics', Object.keys(defaults))
  const flag = (name: 'enabled' | 'processMetrics') =>
    pick(input, name, defaults[name], (v) => {
      if (typeof v !== 'boolean') fail(`metrics.${name}`, 'must be a boolean')
      return v
    })
  const protect = pick(input, 'protect', defaults.protect, (v) => {
    if (v !== 'open' && v !== 'service-token') {
      fail('metrics.protect', 'must be open or service-token')
    }
    return v
  })
  const serviceToken = pick(input, 'serviceToken', defaults.serviceToken, (v) => {
    const source = checkKeys(v, 'metrics.serviceToken', ['env', 'file'])
    const names = Object.keys(source)
    if (names.length !== 1) fail('metrics.serviceToken', 'must be { env: NAME } or { file: PATH }')
    if (source.env !== undefined) {
      const name = str(source.env, 'metrics.serviceToken.env')
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        fail('metrics.serviceToken.env', 'must be an environment variable name')
      }
      return { env: name }
    }
    return { file: str(source.file, 'metrics.serviceToken.file') }
  })
  return { enabled: flag('enabled'), protect, serviceToken, processMetrics: flag('processMetrics') }
}
