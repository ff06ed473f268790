import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuthUnavailableError } from '@keygate/core'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../store/open-store.js'
import { ConflictError } from '../store/types.js'
import { guardStore } from './guard-store.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function fileStore() {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-guard-'))
  dirs.push(dir)
  const store = await openStore({ url: `sqlite:${join(dir, 'keygate.db')}` })
  await store.migrate()
  return store
}

describe('guardStore', () => {
  it('keeps a synchronous method synchronous, and its failure a 503', async () => {
    const store = await fileStore()
    const guarded = guardStore(store)
    const answer = guarded.tokens.verifyByDigestSync!('0'.repeat(64), new Date())
    expect(answer).toBeUndefined()
    await store.close()
    let thrown: unknown
    try {
      guarded.tokens.verifyByDigestSync!('0'.repeat(64), new Date())
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(AuthUnavailableError)
    expect((thrown as Error).message).not.toMatch(/closed/)
  })

  it('turns a failing database into a 503 and lets a conflict through', async () => {
    const store = await fileStore()
    const guarded = guardStore(store)
    await guarded.users.create({ email: 'ada@example.com', passwordHash: null, role: 'user' })
    await expect(
      guarded.users.create({ email: 'ada@example.com', passwordHash: null, role: 'user' }),
    ).rejects.toBeInstanceOf(ConflictError)
    await store.close()
    await expect(guarded.users.findByEmail('ada@example.com')).rejects.toBeInstanceOf(
      AuthUnavailableError,
    )
  })
})
