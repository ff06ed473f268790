import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import {
  apiTokens,
  createAuthenticator,
  digestAPIToken,
  generateAPIToken,
  headersFromRaw,
} from '@keygate/core'
import { afterAll, expect, it } from 'vitest'
import * as entry from '@keygate/server/store'

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'keygate-store-entry-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('@keygate/server/store verifies an API token against a SQLite file on its own', async () => {
  expect(Object.keys(entry).sort()).toEqual([
    'ConflictError',
    'InvalidCursorError',
    'createAPITokenVerifier',
    'createLastUsedRecorder',
    'openStore',
  ])
  const store = await entry.openStore({ url: `sqlite:${join(dir, 'keygate.db')}` })
  try {
    await store.migrate()
    const user = await store.users.create({
      email: 'a@example.com',
      passwordHash: null,
      role: 'user',
    })
    const { token, hint } = generateAPIToken()
    await store.tokens.create({
      userId: user.id,
      name: 'entry',
      scopes: ['tokens:read'],
      expiresAt: new Date(Date.now() + 60_000),
      digest: await digestAPIToken(token),
      hint,
    })
    const gate = createAuthenticator({
      strategies: [apiTokens({ store: entry.createAPITokenVerifier({ store }) })],
    })
    const verdict = await gate.check(
      { method: 'GET', path: '/x', header: headersFromRaw(['Authorization', `Bearer ${token}`]) },
      ['tokens:read'],
    )
    expect(verdict).toMatchObject({ ok: true, principal: { subject: user.id, via: 'api-token' } })
  } finally {
    await store.close()
  }
})

it('loads only the driver its URL names: a SQLite store never loads pg', async () => {
  // A child process of its own: this worker's module cache holds whatever other suites loaded.
  const script = `
    import { createRequire } from 'node:module'
    import { openStore } from '@keygate/server/store'
    const loaded = (name) =>
      Object.keys(createRequire(import.meta.url).cache).some((path) =>
        path.includes('/node_modules/' + name + '/'),
      )
    const store = await openStore({ url: 'sqlite::memory:' })
    await store.migrate()
    console.log(JSON.stringify({ pg: loaded('pg'), sqlite: loaded('better-sqlite3') }))
    await store.close()
  `
  const { stdout } = await run(process.execPath, [
    '--conditions=@keygate/source',
    '--import',
    'tsx',
    '--input-type=module',
    '--eval',
    script,
  ])
  expect(JSON.parse(stdout)).toEqual({ pg: false, sqlite: true })
})
