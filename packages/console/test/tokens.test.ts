/**
 * My tokens in the browser: the list and its statuses, rotation with a grace period (the old
 * secret works, then does not), a phone-sized viewport, and no secret in storage or the logs.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  createToken,
  describeInBrowser,
  expectAccessible,
  openPage,
  PASSWORD,
  problemsOf,
  screenshot,
  signIn,
  startServer,
  withToken,
  type ConsoleServer,
} from './browser.js'

describeInBrowser('console: my tokens', (browser) => {
  let s: ConsoleServer

  beforeAll(async () => {
    s = await startServer({ tokens: { defaultScopes: ['tokens:read'] } })
    await s.user('grace@example.com')
  })
  afterAll(async () => {
    await s.close()
  })

  it('lists tokens with their status; rotate with grace: the old secret works, then not', async () => {
    const old = await createToken(s.url, 'grace@example.com', { name: 'ci-deploy', days: 30 })
    await createToken(s.url, 'grace@example.com', { name: 'nightly-report', days: 3 })
    const gone = await createToken(s.url, 'grace@example.com', { name: 'old-laptop' })
    await fetch(`${s.url}/v1/auth/tokens/current`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${gone.token}` },
    })
    expect((await withToken(s.url, old.token)).status).toBe(200)

    const { context, page } = await openPage(browser())
    try {
      await signIn(page, s.url, 'grace@example.com')
      const row = (name: string) => page.locator('tr', { hasText: name })
      await row('ci-deploy').waitFor()
      expect(await row('ci-deploy').locator('.status').textContent()).toBe('active')
      expect(await row('ci-deploy').getByRole('button', { name: 'Rotate ci-deploy' }).count()).toBe(
        1,
      )
      expect(await row('nightly-report').locator('.status').textContent()).toBe('expiring')
      expect(await row('nightly-report').textContent()).toContain('Expires in 3 days')
      expect(await row('old-laptop').locator('.status').textContent()).toBe('revoked')
      expect(await row('old-laptop').getByRole('button').count()).toBe(0)
      // The scopes offered are the role's; the server's default scopes come checked.
      const offered = await page
        .getByRole('group', { name: 'Scopes' })
        .locator('label')
        .allTextContents()
      expect(offered).toEqual(['tokens:read', 'tokens:write'])
      expect(await page.getByRole('checkbox', { name: 'tokens:read' }).isChecked()).toBe(true)
      await expectAccessible(page, 'my tokens')
      await screenshot(page, 'tokens')

      // Rotate with a 3 s grace period.
      await page.getByRole('button', { name: 'Rotate ci-deploy' }).click()
      const dialog = page.getByRole('dialog', { name: 'Rotate “ci-deploy”?' })
      await dialog.getByLabel('Grace period (seconds)').fill('3')
      await expectAccessible(page, 'rotate dialog')
      await screenshot(page, 'rotate-dialog')
      await dialog.getByRole('button', { name: 'Rotate token' }).click()
      const secret = page.getByLabel('Token secret')
      await secret.waitFor()
      const rotated = await secret.inputValue()
      const rotatedAt = Date.now()
      expect(rotated).not.toBe(old.token)
      await expect
        .poll(() => row('ci-deploy').locator('.status').textContent())
        .toBe('in rotation grace')
      expect(await page.getByText('The previous secret works until').count()).toBeGreaterThan(0)
      // No second rotation while the first one's grace lasts (the API would answer 409).
      expect(await row('ci-deploy').getByRole('button', { name: 'Rotate ci-deploy' }).count()).toBe(
        0,
      )
      await screenshot(page, 'token-rotated')

      // Both work during the grace period.
      expect((await withToken(s.url, old.token)).status).toBe(200)
      expect((await withToken(s.url, rotated)).status).toBe(200)
      // Then only the new one.
      let refusedAfter = 0
      await expect
        .poll(
          async () => {
            const status = (await withToken(s.url, old.token)).status
            refusedAfter = Date.now() - rotatedAt
            return status
          },
          { timeout: 15_000, interval: 250 },
        )
        .toBe(401)
      console.log(`old secret refused ${refusedAfter} ms after the rotation (grace 3000 ms)`)
      expect(refusedAfter).toBeGreaterThanOrEqual(2500)
      expect((await withToken(s.url, rotated)).status).toBe(200)
      await page.getByRole('button', { name: 'Done, I have stored it' }).click()
      await page.reload()
      await row('ci-deploy').waitFor()
      expect(await row('ci-deploy').locator('.status').textContent()).toBe('active')
      expect(await row('ci-deploy').getByRole('button', { name: 'Rotate ci-deploy' }).count()).toBe(
        1,
      )

      // The secrets never reached storage, the URL or a log line.
      const stored = await page.evaluate(() =>
        JSON.stringify({ ...localStorage, ...sessionStorage }),
      )
      for (const plaintext of [old.token, rotated]) {
        expect(stored).not.toContain(plaintext)
        expect(page.url()).not.toContain(plaintext)
        expect(s.logs.join('\n')).not.toContain(plaintext)
      }
      expect(s.logs.join('\n')).not.toContain(PASSWORD)
      expect(problemsOf(page)).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('creates a token on a phone-sized screen, by keyboard only', async () => {
    const { context, page } = await openPage(browser(), { phone: true })
    try {
      await signIn(page, s.url, 'grace@example.com')
      await page.getByLabel('Name').focus()
      await page.keyboard.type('phone-made')
      await page.keyboard.press('Tab') // tokens:read
      await page.keyboard.press('Tab') // tokens:write
      await page.keyboard.press('Space')
      await page.keyboard.press('Tab') // expiry
      await page.keyboard.press('Tab') // password
      await page.keyboard.type(PASSWORD)
      await page.keyboard.press('Enter')
      const secret = page.getByLabel('Token secret')
      await secret.waitFor()
      // Focus moved to the secret, so the copy button is one Tab away.
      expect(await page.evaluate(() => document.activeElement?.getAttribute('readonly'))).toBe('')
      const value = await secret.inputValue()
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.url })
      await page.keyboard.press('Tab')
      await page.keyboard.press('Enter')
      await page.getByText('Copied.').waitFor()
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value)
      const created = await (await withToken(s.url, value, '/v1/auth/tokens')).json()
      expect(
        (created as { items: { name: string; scopes: string[] }[] }).items.find(
          (t) => t.name === 'phone-made',
        )?.scopes,
      ).toEqual(['tokens:read', 'tokens:write'])
      // Nothing wider than the screen.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      )
      await expectAccessible(page, 'my tokens (phone)')
      await screenshot(page, 'tokens-phone')
      expect(problemsOf(page)).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('a wrong password on create is shown on the form and keeps the session', async () => {
    const { context, page } = await openPage(browser())
    try {
      await signIn(page, s.url, 'grace@example.com')
      await page.getByLabel('Name').fill('nope')
      await page.getByLabel('Your password').fill('not the password')
      await page.getByRole('button', { name: 'Create token' }).click()
      await page.getByRole('alert').getByText('The email or password is not valid').waitFor()
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('My tokens')
      // A name already taken: the field says so.
      await page.getByLabel('Name').fill('ci-deploy')
      await page.getByLabel('Your password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Create token' }).click()
      await page.getByText('A token with this name already exists', { exact: true }).waitFor()
      expect(await page.getByRole('alert').textContent()).toBe(
        'The request body is invalid. Name: a token with this name already exists.',
      )
      expect(await page.getByLabel('Name').getAttribute('aria-invalid')).toBe('true')
      await expectAccessible(page, 'create token errors')
    } finally {
      await context.close()
    }
  })
})
