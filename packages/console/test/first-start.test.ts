/**
 * The whole first start, as a person does it: `keygate serve` (what `npm start` runs, default
 * configuration, a fresh directory) prints a setup code; the console at http://127.0.0.1:<port>
 * takes it, creates the first admin and signs in; a token created there works against the API
 * with `Authorization: Bearer` and is refused once revoked in the console.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  describeInBrowser,
  expectAccessible,
  openPage,
  problemsOf,
  screenshot,
  withToken,
} from './browser.js'

const BIN = fileURLToPath(new URL('../../cli/src/bin/keygate.ts', import.meta.url))
const TSX = import.meta.resolve('tsx')

describeInBrowser('console: first start', (browser) => {
  let child: ChildProcess | undefined
  let dir: string | undefined
  let stderr = ''
  let url = ''
  let code = ''

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keygate-first-start-'))
    // Only --port 0 (tests never bind 4400); everything else is the default of `npm start`.
    const started = spawn(
      process.execPath,
      ['--conditions=@keygate/source', '--import', TSX, BIN, 'serve', '--port', '0'],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    child = started
    started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const deadline = Date.now() + 30_000
    for (;;) {
      const listening = /keygate: listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)
      const printed = /one-time setup code[^\n]*\n[^\n]*\n\s*\n\s{4}(\S+)\n/.exec(stderr)
      if (listening !== null && printed !== null) {
        url = listening[1]!
        code = printed[1]!
        break
      }
      if (started.exitCode !== null || Date.now() > deadline)
        throw new Error(`keygate serve did not start:\n${stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(stderr).toContain(`open        ${url}/console in a browser`)
  })

  afterAll(async () => {
    const running = child
    if (running !== undefined && running.exitCode === null) {
      const exited = new Promise((resolve) => running.once('close', resolve))
      running.kill('SIGTERM')
      await exited
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it('setup code → first admin → signed in → token works → revoked in the console → refused', async () => {
    const { context, page } = await openPage(browser())
    try {
      // `/` redirects to the console, which sees that no user exists yet.
      await page.goto(`${url}/`)
      expect(new URL(page.url()).pathname).toBe('/console')
      await page.getByRole('heading', { level: 1, name: 'Set up keygate' }).waitFor()
      await expectAccessible(page, 'setup')
      await screenshot(page, 'setup')

      await page.getByLabel('Setup code').fill(code)
      await page.getByLabel('Your email').fill('ada@example.com')
      await page.getByLabel('Choose a password').fill('a long and good password')
      await page.getByRole('button', { name: 'Create the first admin' }).click()
      await page.getByRole('heading', { level: 1, name: 'My tokens' }).waitFor()
      await expect
        .poll(() => page.getByRole('banner').textContent())
        .toContain('ada@example.com (admin)')

      // The session is only in the HttpOnly cookie: Secure, SameSite=Strict, on http://127.0.0.1.
      const cookies = await context.cookies(url)
      expect(cookies.map((c) => [c.name, c.httpOnly, c.secure, c.sameSite])).toEqual([
        ['__Host-keygate_session', true, true, 'Strict'],
      ])
      expect(await page.evaluate(() => document.cookie)).toBe('')

      // Create a token.
      await page.getByLabel('Name').fill('deploy')
      await page.getByRole('checkbox', { name: 'tokens:read' }).check()
      await page.getByLabel('Expires in (days)').fill('10')
      await page.getByLabel('Your password').fill('a long and good password')
      await page.getByRole('button', { name: 'Create token' }).click()
      const secretField = page.getByLabel('Token secret')
      await secretField.waitFor()
      const secret = await secretField.inputValue()
      expect(secret).toMatch(/^kg_[0-9A-Za-z]+$/)
      await expect.poll(() => page.locator('tr', { hasText: 'deploy' }).count()).toBe(1)
      await expectAccessible(page, 'token created')
      await screenshot(page, 'token-created')

      // The secret is nowhere but that field: not in storage, not in the URL.
      const stored = await page.evaluate(() =>
        JSON.stringify({ ...localStorage, ...sessionStorage }),
      )
      expect(stored).not.toContain(secret)
      expect(page.url()).not.toContain(secret)

      // It works against the API, as curl would use it.
      const me = await withToken(url, secret, '/v1/auth/tokens')
      expect(me.status).toBe(200)

      // Done removes it from the page; the list shows the token's hint only.
      await page.getByRole('button', { name: 'Done, I have stored it' }).click()
      await expect.poll(() => page.getByLabel('Token secret').count()).toBe(0)
      expect(await page.content()).not.toContain(secret)
      const row = page.locator('tr', { hasText: 'deploy' })
      expect(await row.textContent()).toContain(`kg_…${secret.slice(-4)}`)
      expect(await row.getByText('active', { exact: true }).count()).toBe(1)

      // Revoke in the console (a confirmation first), then the API refuses the token.
      await page.getByRole('button', { name: 'Revoke deploy' }).click()
      const dialog = page.getByRole('dialog', { name: 'Revoke “deploy”?' })
      await expectAccessible(page, 'revoke dialog')
      await screenshot(page, 'revoke-dialog')
      await dialog.getByRole('button', { name: 'Revoke token' }).click()
      await expect.poll(() => row.getByText('revoked', { exact: true }).count()).toBe(1)
      const refused = await withToken(url, secret, '/v1/auth/tokens')
      expect(refused.status).toBe(401)
      expect(((await refused.json()) as { code: string }).code).toBe('invalid_token')
      expect(problemsOf(page)).toEqual([])
    } finally {
      await context.close()
    }
  })
})
