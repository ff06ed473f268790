/**
 * `keygate serve` killed with SIGKILL in the middle of a burst of token creations and
 * revocations, then started again on the same SQLite file: no half-written token, no revoked
 * token accepted, and an audit row for every change that was answered 2xx. Nothing is flushed on
 * the way down — SIGKILL leaves no chance to — so this is what the database alone guarantees.
 */
import { join } from 'node:path'
import { openStore } from '@keygate/server'
import { describe, expect, it } from 'vitest'
import { freshDir, run, start } from './run-keygate.js'

const PASSWORD = 'a long enough password'
const EMAIL = 'burst@example.com'

type Outcome =
  | { kind: 'create'; status: number; id?: string; token?: string }
  | { kind: 'revoke'; status: number; id: string; token: string }
  | { kind: 'lost'; what: string }

describe('keygate serve, SIGKILL mid-burst [sqlite]', () => {
  it('after a restart: every answered creation exists with its audit row, every answered revocation holds', async () => {
    const cwd = freshDir()
    const url = `sqlite:${join(cwd, 'data', 'keygate.db')}`
    const env = {
      KEYGATE_DATABASE_URL: url,
      KEYGATE_RATE_LIMITS_CREATE_TOKEN_PER_IP_LIMIT: '100000',
      KEYGATE_RATE_LIMITS_CREATE_TOKEN_PER_EMAIL_LIMIT: '100000',
    }
    const created = await run(
      ['user', 'create', '--email', EMAIL, '--role', 'admin', '--password-stdin'],
      { cwd, env, stdin: PASSWORD },
    )
    expect(created.code).toBe(0)

    const serve = () => start(['serve', '--port', '0'], { cwd, env })
    const first = serve()
    const [, base] = await first.waitFor(/keygate: listening on (http:\/\/\S+)/)
    const create = async (i: number): Promise<Outcome> => {
      try {
        const response = await fetch(`${base}/v1/auth/tokens`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            email: EMAIL,
            password: PASSWORD,
            name: `burst-${i}`,
            scopes: ['tokens:read', 'tokens:write'],
          }),
        })
        const body = (await response.json()) as { id?: string; token?: string }
        return { kind: 'create', status: response.status, id: body.id, token: body.token }
      } catch {
        return { kind: 'lost', what: `create ${i}` }
      }
    }
    // Tokens to revoke during the burst.
    const seeds: { id: string; token: string }[] = []
    for (let i = 0; i < 10; i++) {
      const outcome = await create(1000 + i)
      if (outcome.kind !== 'create' || outcome.status !== 201) throw new Error('seeding failed')
      seeds.push({ id: outcome.id!, token: outcome.token! })
    }
    const revoke = async (seed: { id: string; token: string }): Promise<Outcome> => {
      try {
        const response = await fetch(`${base}/v1/auth/tokens/current`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${seed.token}` },
        })
        await response.arrayBuffer()
        return { kind: 'revoke', status: response.status, ...seed }
      } catch {
        return { kind: 'lost', what: `revoke ${seed.id}` }
      }
    }

    // The burst: 40 creations and 10 revocations at once; SIGKILL once some have been answered.
    let answered = 0
    const counted = (promise: Promise<Outcome>) =>
      promise.then((outcome) => {
        if (outcome.kind !== 'lost') answered++
        return outcome
      })
    const burst = [
      ...Array.from({ length: 40 }, (_, i) => counted(create(i))),
      ...seeds.map((seed) => counted(revoke(seed))),
    ]
    const deadline = Date.now() + 30_000
    while (answered < 12 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    first.child.kill('SIGKILL')
    const outcomes = await Promise.all(burst)
    const killed = await first.exited
    expect(killed.code).toBeNull() // killed, not exited
    const okCreates = outcomes.filter(
      (o): o is Extract<Outcome, { kind: 'create' }> => o.kind === 'create' && o.status === 201,
    )
    const okRevokes = outcomes.filter(
      (o): o is Extract<Outcome, { kind: 'revoke' }> => o.kind === 'revoke' && o.status === 204,
    )
    const lost = outcomes.filter((o) => o.kind === 'lost').length
    console.log(
      `SIGKILL after ${answered} answers: ${okCreates.length} creations and ${okRevokes.length} revocations answered 2xx, ${lost} requests cut off`,
    )
    expect(lost).toBeGreaterThan(0) // the kill did land mid-burst
    // Nothing answered was anything but its success or a defined refusal.
    for (const o of outcomes) if (o.kind !== 'lost') expect([201, 204]).toContain(o.status)

    // Restart on the same file.
    const second = serve()
    const [, again] = await second.waitFor(/keygate: listening on (http:\/\/\S+)/)
    const check = async (token: string) =>
      (await fetch(`${again}/v1/auth/tokens`, { headers: { authorization: `Bearer ${token}` } }))
        .status
    for (const o of okCreates) expect(await check(o.token!), `created ${o.id}`).toBe(200)
    for (const o of okRevokes) expect(await check(o.token), `revoked ${o.id}`).toBe(401)
    second.child.kill('SIGTERM')
    await second.exited

    const store = await openStore({ url })
    try {
      const tokens: Awaited<ReturnType<typeof store.tokens.listAll>>['items'] = []
      let cursor: string | undefined
      do {
        const page = await store.tokens.listAll({ cursor, limit: 100 })
        tokens.push(...page.items)
        cursor = page.nextCursor
      } while (cursor !== undefined)
      // No half-written token: every row is whole and consistent.
      for (const t of tokens) {
        expect(t.id).toMatch(/^tok_[0-9A-Za-z]{24}$/)
        expect(t.name).toMatch(/^burst-\d+$/)
        expect(t.hint).toMatch(/^kg_…[0-9A-Za-z]{4}$/)
        expect(t.scopes).toEqual(['tokens:read', 'tokens:write'])
        expect(t.expiresAt.getTime()).toBeGreaterThan(t.createdAt.getTime())
      }
      const ids = new Set(tokens.map((t) => t.id))
      for (const o of okCreates) expect(ids.has(o.id!)).toBe(true)
      // Every answered revocation is stored as such.
      for (const o of okRevokes) {
        expect(tokens.find((t) => t.id === o.id)?.revokedAt).toBeInstanceOf(Date)
      }
      // An audit row for every change answered 2xx.
      const events: Awaited<ReturnType<typeof store.audit.list>>['items'] = []
      cursor = undefined
      do {
        const page = await store.audit.list({ cursor, limit: 100 })
        events.push(...page.items)
        cursor = page.nextCursor
      } while (cursor !== undefined)
      const audited = (action: string, id: string) =>
        events.some((e) => e.action === action && e.tokenId === id)
      for (const o of okCreates) expect(audited('token.created', o.id!), o.id).toBe(true)
      for (const o of okRevokes) expect(audited('token.revoked', o.id), o.id).toBe(true)
    } finally {
      await store.close()
    }
  }, 120_000)
})
