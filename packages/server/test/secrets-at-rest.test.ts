/**
 * Secrets at rest on one machine: the data directory is created 0700, the SQLite file (and its
 * WAL) 0600, and without a configured `sessions.keyEncryptionSecret` a 256-bit one is generated
 * on first start, kept 0600 beside the setup code, so the session signing keys in the database
 * are sealed, never plain JWKs. Later starts read the same secret back.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type KeygateServer } from '../src/index.js'
import { createDatabase, PG_URL } from './harness.js'

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8)

describe('secrets at rest', () => {
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function start(url: string, sessions: Record<string, unknown> = {}, logs: string[] = []) {
    const server: KeygateServer = await createServer(
      { port: 0, logLevel: 'info', database: { url }, sessions },
      { logStream: { write: (line) => logs.push(line) } },
    )
    cleanups.push(() => server.close())
    await server.listen({ host: '127.0.0.1', port: 0 })
    return server
  }

  function tempRoot(): string {
    const root = mkdtempSync(join(tmpdir(), 'keygate-at-rest-'))
    cleanups.push(() => rmSync(root, { recursive: true, force: true }))
    return root
  }

  it('creates the data directory 0700 and the SQLite file and its WAL 0600, whatever the umask', async () => {
    const root = tempRoot()
    const previous = process.umask(0o002)
    try {
      await start(`sqlite:${join(root, 'data', 'keygate.db')}`)
    } finally {
      process.umask(previous)
    }
    expect(mode(join(root, 'data'))).toBe('700')
    expect(mode(join(root, 'data', 'keygate.db'))).toBe('600')
    expect(mode(join(root, 'data', 'keygate.db-wal'))).toBe('600')
  })

  it('generates a key-encryption secret 0600 beside the setup code; signing keys are sealed; a restart reuses it', async () => {
    const root = tempRoot()
    const url = `sqlite:${join(root, 'data', 'keygate.db')}`
    const logs: string[] = []
    const first = await start(url, {}, logs)
    const secretFile = join(root, 'data', 'key-encryption-secret')
    expect(mode(secretFile)).toBe('600')
    const secret = readFileSync(secretFile, 'utf8').trim()
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/) // 256 bits, base64url
    expect(logs.join('\n')).toContain('key-encryption-secret')
    expect(logs.join('\n')).not.toContain(secret)
    const keys = await first.tokenService.store.signingKeys.list()
    expect(keys.length).toBeGreaterThan(0)
    for (const key of keys) {
      expect(key.privateJwk.startsWith('v1.')).toBe(true)
      expect(key.privateJwk).not.toContain('"d"')
    }
    await first.close()

    // A second start reads the same secret and can open the sealed keys.
    const second = await start(url)
    expect(readFileSync(secretFile, 'utf8').trim()).toBe(secret)
    const jwks = await fetch(`http://127.0.0.1:${portOf(second)}/.well-known/jwks.json`)
    expect(jwks.status).toBe(200)
  })

  it('a configured secret is used as is: no file is written', async () => {
    const root = tempRoot()
    await start(`sqlite:${join(root, 'data', 'keygate.db')}`, {
      keyEncryptionSecret: 'a-configured-secret-of-at-least-32-characters',
    })
    expect(existsSync(join(root, 'data', 'key-encryption-secret'))).toBe(false)
  })

  it('on PostgreSQL nothing is generated (instances must share it); the start warns that keys are stored plain', async () => {
    const database = await createDatabase('postgres').catch(() => undefined)
    if (database === undefined) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL unreachable at ${PG_URL}`)
      return
    }
    cleanups.push(() => database.drop())
    const root = tempRoot()
    const cwd = process.cwd()
    process.chdir(root)
    cleanups.push(() => process.chdir(cwd))
    const logs: string[] = []
    const server = await createServer(
      { port: 0, database: { url: database.url, schema: database.schema } },
      { logStream: { write: (line) => logs.push(line) } },
    )
    cleanups.push(() => server.close())
    expect(existsSync(join(root, 'data', 'key-encryption-secret'))).toBe(false)
    expect(logs.join('\n')).toContain('sessions.keyEncryptionSecret')
  })
})

function portOf(server: KeygateServer): number {
  const address = server.server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening')
  return address.port
}
