/**
 * Admin screens and who sees what: a user sees and acts on their own tokens only, an admin on
 * everyone's; users are created, re-roled, disabled (their open console is signed out on its
 * next action) and enabled; the audit log filters and pages.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  createToken,
  describeInBrowser,
  expectAccessible,
  openPage,
  problemsOf,
  screenshot,
  signIn,
  startServer,
  withToken,
  type ConsoleServer,
} from './browser.js'

describeInBrowser('console: admin', (browser) => {
  let s: ConsoleServer
  let alice: { id: string; token: string }
  let bob: { id: string; token: string }

  beforeAll(async () => {
    s = await startServer()
    await s.user('admin@example.com', 'admin')
    await s.user('alice@example.com')
    await s.user('bob@example.com')
    alice = await createToken(s.url, 'alice@example.com', { name: 'alice-ci' })
    bob = await createToken(s.url, 'bob@example.com', { name: 'bob-ci' })
  })
  afterAll(async () => {
    await s.close()
  })

  it('a user sees and acts on their own tokens only; an admin sees and revokes everyone’s', async () => {
    const a = await openPage(browser())
    const admin = await openPage(browser())
    try {
      await signIn(a.page, s.url, 'alice@example.com')
      await a.page.locator('tr', { hasText: 'alice-ci' }).waitFor()
      expect(await a.page.locator('tr', { hasText: 'bob-ci' }).count()).toBe(0)
      const nav = await a.page.getByRole('navigation', { name: 'Main' }).textContent()
      expect(nav).toBe('My tokensAccount')
      // The admin screens are not there for her: the console sends her back to her tokens.
      await a.page.goto(`${s.url}/console#/admin/tokens`)
      await a.page.getByRole('heading', { level: 1, name: 'My tokens' }).waitFor()
      // And the API refuses her cookie session, whatever the page does.
      const tried = await a.page.evaluate(async (id) => {
        const revoke = await fetch(`/v1/auth/tokens/${id}`, { method: 'DELETE' })
        const all = await fetch('/v1/auth/tokens?all=true')
        return [revoke.status, all.status]
      }, bob.id)
      expect(tried).toEqual([404, 403])
      expect((await withToken(s.url, bob.token)).status).toBe(200)

      await signIn(admin.page, s.url, 'admin@example.com')
      await admin.page.getByRole('link', { name: 'All tokens' }).click()
      await admin.page.getByRole('heading', { level: 1, name: 'All tokens' }).waitFor()
      const bobRow = admin.page.locator('tr', { hasText: 'bob-ci' })
      await bobRow.waitFor()
      expect(await bobRow.textContent()).toContain('bob@example.com')
      expect(await admin.page.locator('tr', { hasText: 'alice-ci' }).textContent()).toContain(
        'alice@example.com',
      )
      await expectAccessible(admin.page, 'all tokens')
      await screenshot(admin.page, 'all-tokens')
      await bobRow.getByRole('button', { name: 'Revoke bob-ci' }).click()
      await admin.page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click()
      await expect.poll(() => bobRow.locator('.status').textContent()).toBe('revoked')
      expect((await withToken(s.url, bob.token)).status).toBe(401)
      expect(problemsOf(a.page)).toEqual([])
      expect(problemsOf(admin.page)).toEqual([])
    } finally {
      await a.context.close()
      await admin.context.close()
    }
  })

  it('users: create, change role, disable (her open console is signed out), enable', async () => {
    const a = await openPage(browser())
    const admin = await openPage(browser())
    try {
      await signIn(a.page, s.url, 'alice@example.com')
      await signIn(admin.page, s.url, 'admin@example.com')
      await admin.page.getByRole('link', { name: 'Users' }).click()
      await admin.page.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
      const users = admin.page.getByRole('table')

      await admin.page.getByLabel('Email').fill('carol@example.com')
      await admin.page.getByLabel('Initial password').fill('carol has a password')
      await admin.page.getByLabel('Role', { exact: true }).selectOption('user')
      await admin.page.getByRole('button', { name: 'Create user' }).click()
      const carol = users.locator('tr', { hasText: 'carol@example.com' })
      await carol.waitFor()
      await carol.getByRole('combobox', { name: 'Role of carol@example.com' }).selectOption('admin')
      await carol.getByRole('button', { name: 'Save role of carol@example.com' }).click()
      await admin.page.getByText('carol@example.com is now admin.').waitFor()
      // The admin's own row has no actions.
      const self = users.locator('tr', { hasText: 'admin@example.com' })
      expect(await self.getByRole('button').count()).toBe(0)

      const aliceRow = users.locator('tr', { hasText: 'alice@example.com' })
      await aliceRow.getByRole('button', { name: 'Disable alice@example.com' }).click()
      const dialog = admin.page.getByRole('dialog', { name: 'Disable alice@example.com?' })
      await expectAccessible(admin.page, 'disable dialog')
      await dialog.getByRole('button', { name: 'Disable user' }).click()
      await expect.poll(() => aliceRow.locator('.status').textContent()).toBe('disabled')
      await expectAccessible(admin.page, 'users')
      await screenshot(admin.page, 'users')
      expect((await withToken(s.url, alice.token)).status).toBe(401)

      // Alice's console is still open. Her next action signs her out, saying why.
      await a.page.getByRole('button', { name: 'Revoke alice-ci' }).click()
      await a.page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click()
      await a.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
      expect(await a.page.getByRole('alert').textContent()).toMatch(/^You have been signed out: /)
      // The cookie the browser still holds is dead: the API refuses it.
      expect(await a.page.evaluate(async () => (await fetch('/v1/users/me')).status)).toBe(401)

      await aliceRow.getByRole('button', { name: 'Enable alice@example.com' }).click()
      await expect.poll(() => aliceRow.locator('.status').textContent()).toBe('active')
      await signIn(a.page, s.url, 'alice@example.com')
      // Her tokens stayed revoked.
      expect(
        await a.page.locator('tr', { hasText: 'alice-ci' }).locator('.status').textContent(),
      ).toBe('revoked')
    } finally {
      await a.context.close()
      await admin.context.close()
    }
  })

  it('audit log: filters by action and user, pages with Older and Newer', async () => {
    // Enough events for two pages (20 a page): refused logins.
    await Promise.all(
      Array.from({ length: 22 }, (_, i) =>
        fetch(`${s.url}/v1/auth/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'bob@example.com', password: `wrong ${i}` }),
        }),
      ),
    )
    const { context, page } = await openPage(browser())
    try {
      await signIn(page, s.url, 'admin@example.com')
      await page.getByRole('link', { name: 'Audit log' }).click()
      await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor()
      const table = page.getByRole('table')
      await table.waitFor()
      expect(await table.locator('tbody tr').count()).toBe(20)
      await expectAccessible(page, 'audit log')
      await screenshot(page, 'audit')

      await page.getByRole('button', { name: 'Older' }).click()
      await page.getByText('Audit events, page 2').waitFor()
      await page.getByRole('button', { name: 'Newer' }).click()
      await page.getByText('Audit events, page 1').waitFor()

      await page.getByLabel('Action').selectOption('token.revoked')
      await page.getByRole('button', { name: 'Apply filters' }).click()
      await expect.poll(() => table.locator('tbody tr').count()).toBe(1)
      expect(await table.locator('tbody tr').textContent()).toContain('token.revoked')
      expect(await table.locator('tbody tr').textContent()).toContain('bob@example.com')

      await page.getByLabel('Action').selectOption('token.created')
      await page.getByLabel('About user').selectOption({ label: 'bob@example.com' })
      await page.getByRole('button', { name: 'Apply filters' }).click()
      await expect.poll(() => table.locator('tbody tr').count()).toBe(1)
      expect(await table.locator('tbody tr').textContent()).toContain('bob@example.com')

      // Bob's refused logins: two pages of them.
      await page.getByLabel('Action').selectOption('login.failed')
      await page.getByRole('button', { name: 'Apply filters' }).click()
      await expect.poll(() => table.locator('tbody tr').count()).toBe(20)
      await page.getByRole('button', { name: 'Older' }).click()
      await expect.poll(() => table.locator('tbody tr').count()).toBe(2)
      expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true)

      // A time range in the future: nothing.
      await page.getByLabel('Action').selectOption('')
      await page.getByLabel('About user').selectOption('')
      await page.getByLabel('Since').fill('2099-01-01T00:00')
      await page.getByRole('button', { name: 'Apply filters' }).click()
      await page.getByText('No events match.').waitFor()
      expect(problemsOf(page)).toEqual([])
    } finally {
      await context.close()
    }
  }, 60_000)
})
