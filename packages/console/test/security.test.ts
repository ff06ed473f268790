/**
 * The console's security rules in a real browser: a cross-origin form post with the cookie is
 * refused, two users in two contexts never mix, the CSP blocks inline script and framing, a
 * password change ends the other sessions, and a rate-limited sign-in says when to retry.
 */
import { createServer as createHTTPServer, type Server } from 'node:http'
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
  type ConsoleServer,
} from './browser.js'

/** Another site on this machine: serves whatever page the test sets. */
async function otherSite(): Promise<{
  url: string
  setPage(html: string): void
  close(): Promise<void>
}> {
  let page = ''
  const server: Server = createHTTPServer((_request, response) => {
    response.setHeader('content-type', 'text/html; charset=utf-8')
    response.end(page)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    setPage: (html) => (page = html),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

describeInBrowser('console: security', (browser) => {
  let s: ConsoleServer
  let evil: Awaited<ReturnType<typeof otherSite>>

  beforeAll(async () => {
    s = await startServer()
    await s.user('admin@example.com', 'admin')
    await s.user('alice@example.com')
    await s.user('bob@example.com')
    evil = await otherSite()
  })
  afterAll(async () => {
    await evil.close()
    await s.close()
  })

  it('a cross-origin form post with the session cookie is refused, and writes nothing', async () => {
    const { context, page } = await openPage(browser())
    try {
      await signIn(page, s.url, 'admin@example.com')
      // 127.0.0.1 on another port is the same *site* (SameSite ignores ports): the browser sends
      // the cookie, and the origin check is what refuses it.
      for (const target of [s.url, s.url.replace('127.0.0.1', 'localhost')]) {
        evil.setPage(`<!doctype html><form method="post" action="${target}/v1/users" enctype="text/plain">
          <input name='{"email":"evil@example.com","password":"xxxxxxxxxxxx","x":"' value='"}'></form>
          <script>document.forms[0].submit()</script>`)
        await page.goto(`${evil.url}/`)
        await page.waitForURL(`${target}/v1/users`)
        const answer = JSON.parse((await page.textContent('body')) ?? '{}') as { code: string }
        // Same site: the cookie came along and the origin check refused it. Cross site
        // (localhost vs 127.0.0.1): SameSite=Strict kept the cookie off, so no credentials.
        expect(answer.code).toBe(target === s.url ? 'csrf_failed' : 'missing_credentials')
      }
      // A script on the other site cannot write with it either.
      evil.setPage('<!doctype html><p>hi</p>')
      await page.goto(`${evil.url}/`)
      await page.evaluate(async (target) => {
        await fetch(`${target}/v1/users`, {
          method: 'POST',
          mode: 'no-cors',
          credentials: 'include',
          headers: { 'content-type': 'text/plain' },
          body: '{"email":"evil@example.com","password":"xxxxxxxxxxxx"}',
        }).catch(() => undefined)
      }, s.url)
      expect(
        await s.server.tokenService.store.users.findByEmail('evil@example.com'),
      ).toBeUndefined()
    } finally {
      await context.close()
    }
  })

  it('two users in two browser contexts never mix; signing one out leaves the other', async () => {
    await createToken(s.url, 'alice@example.com', { name: 'alice-only' })
    await createToken(s.url, 'bob@example.com', { name: 'bob-only' })
    const a = await openPage(browser())
    const b = await openPage(browser())
    try {
      await signIn(a.page, s.url, 'alice@example.com')
      await signIn(b.page, s.url, 'bob@example.com')
      const [cookieA] = await a.context.cookies(s.url)
      const [cookieB] = await b.context.cookies(s.url)
      expect(cookieA?.value).not.toBe(cookieB?.value)
      for (const [page, me, other] of [
        [a.page, 'alice', 'bob'],
        [b.page, 'bob', 'alice'],
      ] as const) {
        await page.reload()
        await page.locator('tr', { hasText: `${me}-only` }).waitFor()
        expect(await page.locator('tr', { hasText: `${other}-only` }).count()).toBe(0)
        expect(await page.getByRole('banner').textContent()).toContain(`${me}@example.com`)
        expect(
          await page.evaluate(
            async () => ((await (await fetch('/v1/users/me')).json()) as { email: string }).email,
          ),
        ).toBe(`${me}@example.com`)
      }
      await b.page.getByRole('button', { name: 'Sign out' }).click()
      await b.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
      expect(await b.page.getByRole('status').textContent()).toBe('You are signed out.')
      await expectAccessible(b.page, 'sign in')
      await screenshot(b.page, 'sign-in')
      // Bob's session has ended on the server: his old cookie is refused.
      const refused = await fetch(`${s.url}/v1/users/me`, {
        headers: { cookie: `${cookieB!.name}=${cookieB!.value}` },
      })
      expect(refused.status).toBe(401)
      await a.page.reload()
      await a.page.locator('tr', { hasText: 'alice-only' }).waitFor()
      expect(problemsOf(a.page)).toEqual([])
      expect(problemsOf(b.page)).toEqual([])
    } finally {
      await a.context.close()
      await b.context.close()
    }
  })

  it('the CSP blocks inline script, and no other site may frame the console', async () => {
    const { context, page } = await openPage(browser())
    try {
      await page.goto(`${s.url}/console`)
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
      const outcome = await page.evaluate(
        () =>
          new Promise<{ ran: boolean; violated: string }>((resolve) => {
            document.addEventListener('securitypolicyviolation', (event) => {
              resolve({
                ran: (window as unknown as { injected?: boolean }).injected === true,
                violated: event.violatedDirective,
              })
            })
            const script = document.createElement('script')
            script.textContent = 'window.injected = true'
            document.body.appendChild(script)
          }),
      )
      expect(outcome).toEqual({ ran: false, violated: 'script-src-elem' })

      evil.setPage(`<!doctype html><iframe src="${s.url}/console" title="framed"></iframe>`)
      await page.goto(`${evil.url}/`)
      await page.waitForTimeout(500)
      // Chromium replaces a refused frame with its own error page: the console never loads.
      const framed = page.frames().find((frame) => frame !== page.mainFrame())
      expect(framed?.url()).toMatch(/^chrome-error:/)
    } finally {
      await context.close()
    }
  })

  it('changing the password ends the other sessions; this browser stays signed in', async () => {
    const a = await openPage(browser())
    const b = await openPage(browser())
    try {
      await signIn(a.page, s.url, 'alice@example.com')
      await signIn(b.page, s.url, 'alice@example.com')
      await a.page.getByRole('link', { name: 'Account' }).click()
      await a.page.getByRole('heading', { level: 1, name: 'Account' }).waitFor()
      await expectAccessible(a.page, 'account')
      await screenshot(a.page, 'account')
      await a.page.getByLabel('Current password').fill(PASSWORD)
      await a.page.getByLabel('New password', { exact: true }).fill('a brand new password')
      await a.page.getByLabel('New password again').fill('a brand new password')
      await a.page.getByRole('button', { name: 'Change password' }).click()
      await a.page.getByText('Your password is changed.', { exact: false }).waitFor()
      // This browser goes on (a fresh cookie came with the answer)…
      await a.page.getByRole('link', { name: 'My tokens' }).click()
      await a.page.locator('tr', { hasText: 'alice-only' }).waitFor()
      // …the other one is signed out on its next action.
      await b.page.reload()
      await b.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
      await signIn(b.page, s.url, 'alice@example.com', 'a brand new password')
    } finally {
      await a.context.close()
      await b.context.close()
    }
  })

  it('a rate-limited sign-in says when to try again', async () => {
    const limited = await startServer({
      rateLimits: {
        createToken: {
          perIp: { limit: 2, windowSeconds: 900 },
          perEmail: { limit: 100, windowSeconds: 900 },
        },
      },
    })
    const { context, page } = await openPage(browser())
    try {
      await limited.user('slow@example.com')
      await page.goto(`${limited.url}/console#/sign-in`)
      const alert = page.getByRole('alert')
      for (let i = 0; i < 2; i += 1) {
        await page.getByLabel('Email').fill('slow@example.com')
        await page.getByLabel('Password', { exact: true }).fill('wrong password')
        await page.getByRole('button', { name: 'Sign in' }).click()
        await expect.poll(() => alert.textContent()).toBe('The email or password is not valid')
        await page.evaluate(() => document.querySelector('[role=alert]')?.replaceChildren())
      }
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await expect
        .poll(() => alert.textContent())
        .toMatch(/^Too many attempts\. Try again in 1\d min( \d+ s)? \(at \d\d:\d\d:\d\d\)\.$/)
      await expectAccessible(page, 'sign in (rate limited)')
      await screenshot(page, 'sign-in-rate-limited')
    } finally {
      await context.close()
      await limited.close()
    }
  })
})
