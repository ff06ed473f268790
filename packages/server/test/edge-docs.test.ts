/**
 * docs/edge.md's ready configurations say what the tests exercise: the nginx block is, byte for
 * byte, the configuration forward-auth-nginx.test.ts runs against real nginx; the Traefik and
 * Envoy blocks send the check path and carry every identity header the check answers with.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { IDENTITY_HEADERS } from '../src/edge/create-edge-gate.js'
import { checkRules, compileRules } from '../src/edge/forward-auth-rules.js'
import { CHECK_PATH } from '../src/routes/check-auth.js'
import { nginxForwardAuth } from './nginx.js'

const DOC = readFileSync(new URL('../../../docs/edge.md', import.meta.url), 'utf8')
const IDENTITY = Object.values(IDENTITY_HEADERS)

function block(name: string): string {
  const match = new RegExp(
    `<!-- ${name}:start -->\\s*\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\`\\s*<!-- ${name}:end -->`,
  ).exec(DOC)
  if (match === null) throw new Error(`docs/edge.md has no ${name} block`)
  return match[1]!
}

describe('docs/edge.md', () => {
  it('the example rules let no method but GET and HEAD through with a read scope', () => {
    const config = JSON.parse(block('forward-auth-rules')) as { forwardAuth: { rules: unknown } }
    const rules = checkRules(config.forwardAuth.rules)
    if (typeof rules === 'string') throw new Error(rules)
    const match = compileRules(rules)
    for (const rule of rules) {
      if (rule.public === true || rule.path.endsWith('/*') === false) continue
      const path = `${rule.path.slice(0, -2)}/42`
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'PURGE', 'PROPPATCH']) {
        const scopes = match(method, path)?.scopes ?? []
        expect(scopes.length, `${method} ${path}`).toBeGreaterThan(0)
        for (const scope of scopes) expect(scope, `${method} ${path}`).not.toMatch(/:read$/)
      }
    }
  })

  it('shows the nginx configuration the tests run, byte for byte', () => {
    const tested = nginxForwardAuth({
      keygate: '127.0.0.1:4400',
      upstream: '127.0.0.1:3000',
      port: 8080,
    })
    expect(block('nginx-forward-auth')).toBe(tested.replace(/^\n+|\n+$/g, ''))
  })

  it('Traefik: forwardAuth to the check path, every identity header copied, client X-Forwarded-* not trusted', () => {
    for (const name of ['traefik-dynamic', 'traefik-labels']) {
      const text = block(name)
      expect(text).toContain(`:4400${CHECK_PATH}`)
      expect(text).toMatch(/trustForwardHeader[=:] ?false/)
      const lower = text.toLowerCase()
      for (const header of IDENTITY) expect(lower, `${name}: ${header}`).toContain(header)
      expect(text).toContain('^(X-Keygate-|Keygate-Assertion)')
    }
  })

  it('Envoy: ext_authz on the check path prefix, spoofed identity removed first, identity copied', () => {
    const text = block('envoy-ext-authz')
    expect(text).toContain(`path_prefix: ${CHECK_PATH}`)
    expect(text).toContain('failure_mode_allow: false')
    const mutation = text.indexOf('envoy.filters.http.header_mutation')
    const authz = text.indexOf('envoy.filters.http.ext_authz')
    expect(mutation).toBeGreaterThan(-1)
    expect(mutation).toBeLessThan(authz)
    for (const header of IDENTITY) expect(text).toContain(`- remove: ${header}`)
    expect(text).toContain('- prefix: x-keygate-')
    expect(text).toContain('- exact: keygate-assertion')
    for (const header of ['authorization', 'cookie', 'origin']) {
      expect(text).toContain(`- exact: ${header}`)
    }
  })
})
