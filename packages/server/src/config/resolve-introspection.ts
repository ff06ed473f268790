import { checkKeys, fail, int, pick, str } from './lib/checks.js'
import type { ServerConfig } from './server-config.js'

/**
 * Validates `introspection`: where the service token of `POST /v1/auth/introspect` and
 * `GET /v1/auth/revocations` comes from, and the revocation stream's heartbeat, backlog, cap on
 * open streams and unsent-bytes bound.
 */
export function resolveIntrospection(
  value: unknown,
  defaults: ServerConfig['introspection'],
): ServerConfig['introspection'] {
  const input = checkKeys(value ?? {}, 'introspection', Object.keys(defaults))
  const serviceToken = pick(input, 'serviceToken', defaults.serviceToken, (v) => {
    const source = checkKeys(v, 'introspection.serviceToken', ['env', 'file'])
    if (Object.keys(source).length !== 1) {
      fail('introspection.serviceToken', 'must be { env: NAME } or { file: PATH }')
    }
    if (source.env !== undefined) {
      const name = str(source.env, 'introspection.serviceToken.env')
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        fail('introspection.serviceToken.env', 'must be an environment variable name')
      }
      return { env: name }
    }
    return { file: str(source.file, 'introspection.serviceToken.file') }
  })
  return {
    serviceToken,
    heartbeatSeconds: pick(input, 'heartbeatSeconds', defaults.heartbeatSeconds, (v) =>
      int(v, 'introspection.heartbeatSeconds', 1, 300),
    ),
    backlog: pick(input, 'backlog', defaults.backlog, (v) =>
      int(v, 'introspection.backlog', 10, 1_000_000),
    ),
    maxStreams: pick(input, 'maxStreams', defaults.maxStreams, (v) =>
      int(v, 'introspection.maxStreams', 1, 100_000),
    ),
    streamBufferBytes: pick(input, 'streamBufferBytes', defaults.streamBufferBytes, (v) =>
      int(v, 'introspection.streamBufferBytes', 4096, 67_108_864),
    ),
  }
}
