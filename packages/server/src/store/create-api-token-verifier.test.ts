import {
  apiTokens,
  digestAPIToken,
  generateAPIToken,
  type Credential,
  type AuthRequest,
} from '@keygate/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAPITokenVerifier } from './create-api-token-verifier.js'
import { createLastUsedRecorder } from './last-used-recorder.js'
import { openStore } from './open-store.js'
import type { Store, User } from './types.js'

const request: AuthRequest = { method: 'GET', path: '/', header: () => [] }
const bearer = (token: string): { credential: Credential; request: AuthRequest } => ({
  credential: { kind: 'bearer', header: 'authorization', token },
  request,
})

let store: Store
let owner: User

beforeAll(async () => {
  store = await openStore({ url: 'sqlite::memory:' })
  await store.migrate()
  owner = await store.users.create({ email: 'v@example.com', passwordHash: null, role: 'user' })
})
afterAll(() => store.close())

async function issue(name: string, pepper?: string) {
  const { token, hint } = generateAPIToken()
  const created = await store.tokens.create({
    userId: owner.id,
    name,
    scopes: ['tokens:read'],
    expiresAt: new Date(Date.now() + 86_400_000),
    digest: await digestAPIToken(token, { pepper }),
    hint,
  })
  return { token, created }
}

describe('apiTokens over the store', () => {
  it('authenticates, records the use in a batch, and refuses after revoke + invalidate', async () => {
    const recorder = createLastUsedRecorder({ store })
    const strategy = apiTokens({
      store: createAPITokenVerifier({ store }),
      pepper: 'pepper',
      onUse: (id, at) => recorder.record(id, at),
    })
    const { token, created } = await issue('e2e', 'pepper')
    expect(await strategy.authenticate(bearer(token))).toEqual({
      kind: 'user',
      subject: owner.id,
      scopes: ['tokens:read'],
      via: 'api-token',
      tokenId: created.id,
      expiresAt: created.expiresAt,
    })
    await recorder.close()
    expect((await store.tokens.findById(created.id))?.lastUsedAt).toEqual(expect.any(Date))

    expect(await store.tokens.revoke(created.id, new Date())).toBe(true)
    strategy.invalidate(created.id)
    await expect(strategy.authenticate(bearer(token))).rejects.toMatchObject({
      code: 'invalid_token',
      message: 'The token has been revoked',
    })
  })

  it('accepts the old secret of a rotated token until its grace ends, then the new one only', async () => {
    const strategy = apiTokens({ store: createAPITokenVerifier({ store }) })
    const { token: old, created } = await issue('rotating')
    const next = generateAPIToken()
    const graceUntil = new Date(Date.now() + 60_000)
    await store.tokens.rotate(created.id, {
      digest: await digestAPIToken(next.token),
      hint: next.hint,
      graceUntil,
    })
    strategy.invalidate(created.id)
    expect(await strategy.authenticate(bearer(old))).toMatchObject({
      tokenId: created.id,
      expiresAt: graceUntil,
    })
    expect(await strategy.authenticate(bearer(next.token))).toMatchObject({
      tokenId: created.id,
      expiresAt: created.expiresAt,
    })
  })

  it('refuses the tokens of a disabled user', async () => {
    const strategy = apiTokens({
      store: createAPITokenVerifier({ store: store.tokens }),
      cache: false,
    })
    const other = await store.users.create({
      email: 'off@example.com',
      passwordHash: null,
      role: 'user',
    })
    const { token } = generateAPIToken()
    await store.tokens.create({
      userId: other.id,
      name: 'x',
      scopes: [],
      expiresAt: new Date(Date.now() + 1000_000),
      digest: await digestAPIToken(token),
      hint: 'kg_…',
    })
    await store.users.update(other.id, { disabled: true })
    await expect(strategy.authenticate(bearer(token))).rejects.toMatchObject({
      message: 'The user is disabled',
    })
  })

  it('answers 503 when the database is gone', async () => {
    const gone = await openStore({ url: 'sqlite::memory:' })
    await gone.migrate()
    await gone.close()
    const strategy = apiTokens({ store: createAPITokenVerifier({ store: gone }) })
    await expect(strategy.authenticate(bearer(generateAPIToken().token))).rejects.toMatchObject({
      code: 'auth_unavailable',
      status: 503,
    })
  })
})
