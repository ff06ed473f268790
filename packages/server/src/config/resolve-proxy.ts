import { bool, checkKeys, fail, int, pick, str } from './lib/checks.js'
import { audienceOf } from './resolve-forward-auth.js'
import type { ServerConfig } from './server-config.js'

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]{1,64}$/
// Headers the proxy owns or that carry a client's identity: never the service-token header.
const RESERVED_HEADERS = [
  'authorization',
  'cookie',
  'host',
  'keygate-assertion',
  'x-on-behalf-of',
  'connection',
  'content-length',
  'transfer-encoding',
]

/** Validates `proxy` (`keygate proxy`, docs/edge.md). The service token is never quoted. */
export function resolveProxy(
  value: unknown,
  defaults: ServerConfig['proxy'],
): ServerConfig['proxy'] {
  const input = checkKeys(value ?? {}, 'proxy', Object.keys(defaults))
  const upstream = pick<string | undefined>(input, 'upstream', undefined, (v) => {
    let url: URL | undefined
    try {
      url = typeof v === 'string' ? new URL(v) : undefined
    } catch {
      url = undefined
    }
    if (
      url === undefined ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.username !== '' ||
      url.password !== '' ||
      url.search !== '' ||
      url.hash !== ''
    ) {
      fail(
        'proxy.upstream',
        'must be an http:// or https:// URL without credentials, query or fragment',
      )
    }
    return v as string
  })
  const serviceTokenHeader = pick(input, 'serviceTokenHeader', defaults.serviceTokenHeader, (v) => {
    if (
      typeof v !== 'string' ||
      !HEADER_NAME.test(v) ||
      RESERVED_HEADERS.includes(v) ||
      v.startsWith('x-keygate-') ||
      v.startsWith('x-forwarded-')
    ) {
      fail(
        'proxy.serviceTokenHeader',
        'must be a lower-case header name the proxy does not own (not authorization, cookie, x-keygate-*, …)',
      )
    }
    return v
  })
  const serviceToken = pick<string | undefined>(input, 'serviceToken', undefined, (v) => {
    if (
      typeof v !== 'string' ||
      !/^[\x21-\x7e]+$/.test(v) ||
      Buffer.byteLength(v.split(',')[0]!) < 32
    ) {
      fail(
        'proxy.serviceToken',
        'must be at least 32 bytes of visible ASCII (e.g. openssl rand -base64 32)',
      )
    }
    return v
  })
  const ms = (name: 'connectTimeoutMs' | 'headersTimeoutMs' | 'bodyTimeoutMs') =>
    pick(input, name, defaults[name], (v) => int(v, `proxy.${name}`, 1, 3_600_000))
  return {
    upstream,
    host: pick(input, 'host', defaults.host, (v) => str(v, 'proxy.host')),
    port: pick(input, 'port', defaults.port, (v) => int(v, 'proxy.port', 0, 65535)),
    audience: pick<string | undefined>(input, 'audience', undefined, (v) =>
      audienceOf(v, 'proxy.audience'),
    ),
    serviceTokenHeader,
    serviceToken,
    passAuthorization: pick(input, 'passAuthorization', defaults.passAuthorization, (v) =>
      bool(v, 'proxy.passAuthorization'),
    ),
    connectTimeoutMs: ms('connectTimeoutMs'),
    headersTimeoutMs: ms('headersTimeoutMs'),
    bodyTimeoutMs: ms('bodyTimeoutMs'),
  }
}
