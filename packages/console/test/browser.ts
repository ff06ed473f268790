/**
 * Shared by the console's browser tests: one real headless Chromium per test file (never a
 * downloaded one), a real token service on 127.0.0.1 port 0 over a real SQLite file, axe-core
 * injected into the page, and screenshots written to `test-artifacts/` (gitignored).
 *
 * The browser is `KEYGATE_TEST_CHROMIUM` (default `/usr/bin/chromium`). Without it the suite is
 * skipped locally; with `CI=true` it fails instead.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createServer,
  createUser,
  type KeygateServer,
  type ServerConfigInput,
} from '@keygate/server'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect } from 'vitest'

export const CHROMIUM = process.env.KEYGATE_TEST_CHROMIUM ?? '/usr/bin/chromium'
export const PASSWORD = 'correct horse battery staple'
export const ARTIFACTS = new URL('../test-artifacts/', import.meta.url)

const haveBrowser = existsSync(CHROMIUM)

/**
 * `describe` with one browser for the whole file (`browser()` inside tests). Skipped when the
 * browser is missing, unless `CI=true`: then launching fails the suite.
 */
export function describeInBrowser(name: string, body: (browser: () => Browser) => void): void {
  if (!haveBrowser && process.env.CI !== 'true') {
    describe.skip(`${name} (no browser at ${CHROMIUM}; CI=true fails instead of skipping)`, () => {
      body(() => {
        throw new Error('unreachable')
      })
    })
    return
  }
  describe(name, () => {
    let launched: Browser | undefined
    beforeAll(async () => {
      launched = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      })
    })
    afterAll(async () => {
      await launched?.close()
    })
    body(() => {
      if (launched === undefined) throw new Error(`Chromium did not start (${CHROMIUM})`)
      return launched
    })
  })
}

/** A token service for one test file, and what the tests need of it. */
export type ConsoleServer = {
  readonly url: string
  readonly server: KeygateServer
  /** Every log line the server wrote (to check that no secret is among them). */
  readonly logs: string[]
  user(email: string, role?: string): Promise<{ id: string; email: string }>
  close(): Promise<void>
}

/** Starts a token service on 127.0.0.1:0 over a fresh SQLite file; login limits out of the way. */
export async function startServer(config: ServerConfigInput = {}): Promise<ConsoleServer> {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-console-'))
  const logs: string[] = []
  const server = await createServer(
    {
      port: 0,
      logLevel: 'info',
      ...config,
      database: { url: `sqlite:${join(dir, 'keygate.db')}` },
      rateLimits: config.rateLimits ?? {
        createToken: {
          perIp: { limit: 10_000, windowSeconds: 900 },
          perEmail: { limit: 10_000, windowSeconds: 900 },
        },
      },
    },
    { logStream: { write: (line) => logs.push(line) } },
  )
  const url = await server.listen({ host: '127.0.0.1', port: 0 })
  return {
    url,
    server,
    logs,
    async user(email, role = 'user') {
      const user = await createUser({
        users: server.tokenService.store.users,
        email,
        password: PASSWORD,
        role,
      })
      return { id: user.id, email: user.email }
    },
    async close() {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A fresh context (its own cookie jar) and page, phone-sized or desktop. */
export async function openPage(
  browser: Browser,
  options: { phone?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: options.phone === true ? { width: 390, height: 844 } : { width: 1280, height: 860 },
    deviceScaleFactor: 1,
    locale: 'en-GB',
    timezoneId: 'UTC',
  })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (
      message.type() === 'error' &&
      !/the server responded with a status of (401|403|404|429)/.test(message.text())
    )
      problems.push(`console error: ${message.text()}`)
  })
  ;(page as Page & { problems: string[] }).problems = problems
  return { context, page }
}

/** Script errors and CSP violations the page reported (a test expects none). */
export function problemsOf(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? []
}

/** Signs in through the console's own form. */
export async function signIn(
  page: Page,
  url: string,
  email: string,
  password = PASSWORD,
): Promise<void> {
  await page.goto(`${url}/console#/sign-in`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: 'My tokens' }).waitFor()
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
)

type AxeViolation = {
  id: string
  impact: string | null
  help: string
  nodes: { target: unknown }[]
}

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, which the page's CSP does
 * not govern: the page itself still may not run inline script) and fails on any serious or
 * critical violation, naming them.
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> }
      }
    ).axe
    const result = await axe.run(document, { resultTypes: ['violations'] })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target),
    }))
  })
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(serious, `${screen}: ${JSON.stringify(serious, null, 2)}`).toEqual([])
}

/** Writes a full-page screenshot to `test-artifacts/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname, fullPage: true })
}

/** A request to the API with an API token (what `curl -H 'authorization: Bearer …'` does). */
export function withToken(url: string, token: string, path = '/v1/users/me'): Promise<Response> {
  return fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })
}

/** Creates a token over the API (email + password), as a script would; returns id and secret. */
export async function createToken(
  url: string,
  email: string,
  options: { name: string; scopes?: string[]; days?: number },
): Promise<{ id: string; token: string }> {
  const response = await fetch(`${url}/v1/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email,
      password: PASSWORD,
      name: options.name,
      scopes: options.scopes ?? ['tokens:read'],
      ...(options.days === undefined ? {} : { expires_in_days: options.days }),
    }),
  })
  const body = (await response.json()) as { id: string; token: string }
  if (response.status !== 201) throw new Error(`token creation failed: ${JSON.stringify(body)}`)
  return body
}
