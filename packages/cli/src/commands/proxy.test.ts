import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDir, json, run, start } from '../../test/run-keygate.js'

const PASSWORD = 'proxy test password'

describe('keygate proxy', () => {
  const cwd = freshDir()
  let upstream: Server
  let upstreamURL: string
  const seen: IncomingHttpHeaders[] = []

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      seen.push(req.headers)
      res.end('from upstream')
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    upstreamURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())))

  it('--help describes the command; no upstream is a usage error (exit 2)', async () => {
    const [help, missing, badUpstream] = await Promise.all([
      run(['proxy', '--help'], { cwd }),
      run(['proxy'], { cwd }),
      run(['proxy', '--upstream', 'ftp://example.com'], { cwd }),
    ])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: keygate proxy --upstream <url>')
    expect(help.stdout).toContain('--upstream <url>')
    expect(help.stdout).toContain('Keygate-Assertion')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('--upstream <url> is required')
    expect(badUpstream.code).not.toBe(0)
    expect(badUpstream.stderr).toContain('proxy.upstream')
  })

  it('forwards an authenticated request with the service token; refuses the rest; stops on SIGTERM', async () => {
    expect(
      (
        await run(['user', 'create', '--email', 'ada@example.com', '--password-stdin'], {
          cwd,
          stdin: PASSWORD,
        })
      ).code,
    ).toBe(0)
    const created = await run(
      ['token', 'create', '--user', 'ada@example.com', '--name', 'proxy', '--json'],
      { cwd },
    )
    const { token, user_id: userId } = json<{ token: string; user_id: string }>(created)
    const secret = 'proxy-service-token-0123456789-abcdefghij'
    const proxy = start(['proxy', '--upstream', upstreamURL, '--port', '0'], {
      cwd,
      env: { KEYGATE_PROXY_SERVICE_TOKEN: secret, KEYGATE_LOG_LEVEL: 'warn' },
    })
    const [, url] = await proxy.waitFor(/keygate: proxying (http:\/\/127\.0\.0\.1:\d+) -> /)
    const ok = await fetch(`${url}/hello`, { headers: { authorization: `Bearer ${token}` } })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe('from upstream')
    expect(seen.at(-1)).toMatchObject({ 'x-service-token': secret, 'x-keygate-subject': userId })
    const refused = await fetch(`${url}/hello`)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ code: 'missing_credentials' })
    // The service token is a secret: never on the console.
    expect(proxy.stderr() + proxy.stdout()).not.toContain(secret)
    proxy.child.kill('SIGTERM')
    const exited = await proxy.exited
    expect(exited.code).toBe(0)
    expect(exited.stderr).toContain('keygate: stopped')
  })
})
