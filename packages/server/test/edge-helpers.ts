/** Shared by the edge suites: the server configuration, proxy header sets, assertion checks. */
import { createAuthenticator, gatewayAssertion, headersFromRecord } from '@keygate/core'
import { request as httpRequest } from 'node:http'
import type { ServerConfigInput } from '../src/index.js'
import type { Harness } from './harness.js'

export const EDGE_CONFIG: ServerConfigInput = {
  trustProxy: ['127.0.0.1', '::1'],
  sessions: { issuer: 'https://keygate.example.test' },
  scopes: {
    'things:read': { roles: ['user'] },
    'things:write': { roles: ['user'] },
    'admin:all': { roles: ['admin'] },
  },
  forwardAuth: {
    // Assertions are issued only for a configured audience, never one taken from the request.
    audience: 'https://app.example.test',
    rules: [
      { path: '/healthz', public: true },
      { path: '/public/*', public: true },
      { path: '/admin/*', scopes: ['admin:all'] },
      { path: '/billing', scopes: ['admin:all'] },
      // Reads named, everything else a write: PATCH (or a forgotten method) never gets by with
      // the read scope.
      { path: '/things/*', methods: ['GET', 'HEAD'], scopes: ['things:read'] },
      { path: '/things/*', scopes: ['things:write'] },
    ],
  },
}

/** What Traefik's ForwardAuth sends (v2/v3: GET, the client's headers, X-Forwarded-*). */
export function traefikHeaders(
  method: string,
  uri: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'x-forwarded-method': method,
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'app.example.test',
    'x-forwarded-uri': uri,
    'x-forwarded-for': '203.0.113.9',
    'user-agent': 'curl/8.5.0',
    accept: '*/*',
    ...extra,
  }
}

/** Verifies an assertion the way an upstream would: gatewayAssertion over the server's JWKS. */
export async function verifyAssertion(h: Harness, assertion: string, audience: string) {
  const jwks = (await (await fetch(`${h.url}/.well-known/jwks.json`)).json()) as {
    keys: Record<string, unknown>[]
  }
  const gate = createAuthenticator({
    strategies: [
      gatewayAssertion({ keys: jwks.keys, issuer: 'https://keygate.example.test', audience }),
    ],
    env: {},
  })
  return gate.authenticate({
    method: 'GET',
    path: '/',
    header: headersFromRecord({ 'keygate-assertion': assertion }),
  })
}

/** A GET with the path sent byte for byte (fetch would resolve `%2e%2e` and `..` first). */
export function rawGet(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/`, { path, headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
    })
    request.on('error', reject)
    request.end()
  })
}
