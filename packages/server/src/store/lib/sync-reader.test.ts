import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { createAPITokenVerifier } from '../create-api-token-verifier.js'
import { openStore } from '../open-store.js'
import type { Store } from '../types.js'

const dirs: string[] = []
const stores: Store[] = []
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()))
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A migrated store on a real file, one user and one live token in it. */
async function fileStore() {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-sync-reader-'))
  dirs.push(dir)
  const file = join(dir, 'keygate.db')
  const store = await openStore({ url: `sqlite:${file}` })
  stores.push(store)
  await store.migrate()
  const user = await store.users.create({
    email: 'ada@example.com',
    passwordHash: null,
    role: 'user',
  })
  const digest = randomBytes(32).toString('hex')
  const token = await store.tokens.create({
    userId: user.id,
    name: 'ci',
    scopes: ['tokens:read'],
    expiresAt: new Date(Date.now() + 86_400_000),
    digest,
    hint: 'kg_…abcd',
  })
  return { store, file, digest, token }
}

describe('the synchronous lookup by digest (SQLite on a file)', () => {
  it('answers what the asynchronous lookup answers, without a promise', async () => {
    const { store, digest, token } = await fileStore()
    const now = new Date()
    const found = store.tokens.verifyByDigestSync!(digest, now)
    expect(found).not.toBeInstanceOf(Promise)
    expect(found).toEqual(await store.tokens.verifyByDigest(digest, now))
    expect(found).toEqual({
      id: token.id,
      userId: token.userId,
      scopes: ['tokens:read'],
      expiresAt: token.expiresAt,
      revokedAt: null,
      ownerRole: 'user',
      ownerDisabled: false,
    })
    expect(store.tokens.verifyByDigestSync!(randomBytes(32).toString('hex'), now)).toBeUndefined()
  })

  it("sees committed rows only, and does not wait for another connection's open write", async () => {
    const { store, file, digest, token } = await fileStore()
    const writer = new BetterSqlite3(file)
    try {
      writer.prepare('begin immediate').run()
      writer.prepare('update api_tokens set revoked_at = ? where id = ?').run(Date.now(), token.id)
      // The revocation is not committed: the lookup still finds the live token, at once.
      expect(store.tokens.verifyByDigestSync!(digest, new Date())?.revokedAt).toBeNull()
      writer.prepare('commit').run()
      expect(store.tokens.verifyByDigestSync!(digest, new Date())?.revokedAt).toBeInstanceOf(Date)
    } finally {
      writer.close()
    }
  })

  it('sees a change the store itself just committed', async () => {
    const { store, digest, token } = await fileStore()
    expect(store.tokens.verifyByDigestSync!(digest, new Date())?.revokedAt).toBeNull()
    await store.tokens.revoke(token.id, new Date())
    expect(store.tokens.verifyByDigestSync!(digest, new Date())?.revokedAt).toBeInstanceOf(Date)
  })

  it('lets createAPITokenVerifier answer a lookup synchronously', async () => {
    const { store, digest, token } = await fileStore()
    const verifier = createAPITokenVerifier({ store })
    const verified = verifier.findByDigest(digest, new Date(), { token: 'unused' })
    expect(verified).not.toBeInstanceOf(Promise)
    expect(verified).toMatchObject({ id: token.id, scopes: ['tokens:read'], revokedAt: null })
  })

  it('is closed with the store: a lookup after close() throws, never reopens', async () => {
    const { store, digest } = await fileStore()
    store.tokens.verifyByDigestSync!(digest, new Date())
    await store.close()
    expect(() => store.tokens.verifyByDigestSync!(digest, new Date())).toThrow(/closed/)
  })

  it('is part of ping(): a store whose read-only connection cannot open is not ready', async () => {
    const { store, file } = await fileStore()
    // Gone from the directory: Kysely's open connection still reads it, a new one cannot open it.
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
    await expect(store.ping()).rejects.toThrow()
  })

  it('is absent in memory (a second connection would open another database)', async () => {
    const store = await openStore({ url: 'sqlite::memory:' })
    stores.push(store)
    expect(store.tokens.verifyByDigestSync).toBeUndefined()
    const verifier = createAPITokenVerifier({ store })
    await store.migrate()
    expect(verifier.findByDigest('0'.repeat(64), new Date(), { token: 'unused' })).toBeInstanceOf(
      Promise,
    )
  })
})
