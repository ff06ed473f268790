/**
 * `npm run bench -- gate`: the cost of keygate's own work per request, in process, without HTTP:
 * one `authenticate()` of a prepared request through the gate, for each strategy on its hot path
 * (fresh secret cache, warm API-token cache), and the SHA-256 and comparison every service-token
 * verification pays, beside what @fastify/bearer-auth does instead, for scale.
 * Each case runs several rounds and keeps the fastest: the least disturbed by other work on the
 * machine (wall-clock throughput over HTTP is at the mercy of a shared VM; this is not). Beside
 * each authentication, the bytes one call allocates (the request it builds included): the
 * garbage a request leaves for the scavenger.
 *
 * The cache-off rows read a real SQLite file through `@keygate/server`'s store, as the token
 * service does (a tenth of the iterations: each is a database read).
 *
 * Options: --iterations <n> (default 200000) --rounds <n> (default 7)
 */
import { hash, timingSafeEqual } from 'node:crypto'
import { getHeapSpaceStatistics } from 'node:v8'
import { mkdtempSync, rmSync } from 'node:fs'
import { IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  apiTokens,
  createAuthenticator,
  digestAPIToken,
  generateAPIToken,
  headersFromRaw,
  serviceToken,
  staticSecrets,
  type AuthRequest,
  type Authenticator,
} from '@keygate/core'
import express from 'express'
// The store alone, as the apitokens-* bench servers load it.
import { createAPITokenVerifier, openStore } from '@keygate/server/store'
import { machine, parseArgs, table } from './lib.js'
import { seedBenchToken } from './servers/api-token-store.js'
import { SECRET } from './servers/common.js'

function requestWith(authorization: string): AuthRequest {
  const raw = ['Host', '127.0.0.1:3000', 'User-Agent', 'bench', 'Authorization', authorization]
  return { method: 'GET', path: '/v1/things', header: headersFromRaw(raw), clientIp: '127.0.0.1' }
}

const newSpaceUsed = (): number =>
  getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? 0

/**
 * Bytes one call allocates: the growth of V8's new space over 200 calls, the smallest of 30
 * tries (a try during which a scavenge ran shrinks the space, and is skipped).
 */
function bytesPerCall(fn: () => unknown): number {
  let best = Infinity
  for (let attempt = 0; attempt < 30; attempt++) {
    const before = newSpaceUsed()
    for (let i = 0; i < 200; i++) fn()
    const grown = newSpaceUsed() - before
    if (grown >= 0) best = Math.min(best, grown / 200)
  }
  return best
}

type Timed = { us: number; bytes: number }

async function timeAuthenticate(
  gate: Authenticator,
  authorization: string,
  iterations: number,
  rounds: number,
  expectOk: boolean,
): Promise<Timed> {
  let best = Infinity
  for (let round = 0; round < rounds; round++) {
    const started = performance.now()
    for (let i = 0; i < iterations; i++) {
      // A new request each time, as an adapter builds one per request.
      let result = gate.authenticate(requestWith(authorization))
      if (result instanceof Promise) result = await result
      if (result.ok !== expectOk) throw new Error(`unexpected result: ${JSON.stringify(result)}`)
    }
    best = Math.min(best, ((performance.now() - started) * 1000) / iterations)
  }
  const bytes = bytesPerCall(() => {
    const result = gate.authenticate(requestWith(authorization))
    if (result instanceof Promise) result.catch(() => {})
  })
  return { us: best, bytes }
}

function timeSync(fn: () => unknown, iterations: number, rounds: number): number {
  let best = Infinity
  for (let round = 0; round < rounds; round++) {
    const started = performance.now()
    for (let i = 0; i < iterations; i++) fn()
    best = Math.min(best, ((performance.now() - started) * 1000) / iterations)
  }
  return best
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv)
  const iterations = Number(args.iterations ?? 200_000)
  const rounds = Number(args.rounds ?? 7)
  console.log(`gate bench — ${machine()}; best of ${rounds} rounds × ${iterations} calls`)

  const one = createAuthenticator({
    strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
  })
  const three = createAuthenticator({
    strategies: [
      serviceToken({ source: staticSecrets([`${SECRET}-old`, `${SECRET}-pending`, SECRET]) }),
    ],
  })
  const { token } = generateAPIToken()
  const digest = await digestAPIToken(token)
  const far = new Date(Date.now() + 86_400_000)
  const verifier = {
    findByDigest: (d: string) =>
      Promise.resolve(
        d === digest
          ? {
              id: 'tok_bench',
              userId: '3f0c1a52-9d8e-4b7a-8f00-000000000001',
              scopes: ['things:read'],
              expiresAt: far,
              revokedAt: null,
              userDisabled: false,
            }
          : undefined,
      ),
  }
  const tokens = createAuthenticator({
    strategies: [apiTokens({ store: verifier, onUse: () => {} })],
  })
  // Warm the caches once (secret sources load, the API token's lookup is cached).
  for (const [gate, credential] of [
    [one, SECRET],
    [three, SECRET],
    [tokens, token],
  ] as const) {
    await gate.authenticate(requestWith(`Bearer ${credential}`))
  }

  const rows = [['case', 'µs per request', 'bytes allocated']]
  const add = (name: string, timed: number | Timed) =>
    rows.push(
      typeof timed === 'number'
        ? [name, timed.toFixed(3), '']
        : [name, timed.us.toFixed(3), timed.bytes.toFixed(0)],
    )
  // The digest serviceToken takes of a presented secret (lib/crypto.ts sha256Reused): Node's
  // one-shot hash answering latin1, copied into a reused buffer (decision 0003).
  const scratch = new Uint8Array(32)
  const digestOf = (value: string) => {
    // 'binary' is Node's name for latin1 in these types.
    const latin1 = hash('sha256', value, 'binary')
    for (let i = 0; i < 32; i++) scratch[i] = latin1.charCodeAt(i)
    return scratch
  }
  const configured = Uint8Array.from(digestOf(SECRET))
  add(
    'SHA-256 of the credential alone (as serviceToken takes it)',
    timeSync(() => digestOf(SECRET), iterations, rounds),
  )
  add(
    'the same, then timingSafeEqual with one digest',
    timeSync(() => timingSafeEqual(digestOf(SECRET), configured), iterations, rounds),
  )
  // For scale: what @fastify/bearer-auth does instead (no digest; a length check first, then
  // timingSafeEqual of the raw bytes, stopping at the first key that matches).
  const key = Buffer.from(SECRET)
  add(
    "@fastify/bearer-auth's compare, for scale",
    timeSync(
      () => {
        const presented = Buffer.from(SECRET)
        return presented.length === key.length && timingSafeEqual(presented, key)
      },
      iterations,
      rounds,
    ),
  )
  add(
    'serviceToken, 1 secret, right token',
    await timeAuthenticate(one, `Bearer ${SECRET}`, iterations, rounds, true),
  )
  add(
    'serviceToken, 3 secrets, right token',
    await timeAuthenticate(three, `Bearer ${SECRET}`, iterations, rounds, true),
  )
  add(
    'serviceToken, 1 secret, wrong token (401)',
    await timeAuthenticate(one, `Bearer ${SECRET}x`, iterations / 4, rounds, false),
  )
  add(
    'apiTokens, verification cache warm',
    await timeAuthenticate(tokens, `Bearer ${token}`, iterations, rounds, true),
  )
  add(
    'no credential (401 missing_credentials)',
    await timeAuthenticate(one, 'Basic eDp5', iterations / 4, rounds, false),
  )
  addExpressRows(add, iterations / 4, rounds)
  await addStoreRows(add, iterations / 10, rounds)
  console.log(`\n${table(rows)}\n`)
}

/**
 * For scale: what a property added to a request costs once Express has swapped its prototype
 * (`app.request`), as it does for every request: V8 then caches no transition, and each added
 * property builds a hidden class of its own. Why `@keygate/express` adds only `req.auth`.
 */
function addExpressRows(
  add: (name: string, timed: number | Timed) => void,
  iterations: number,
  rounds: number,
): void {
  const app = express()
  const socket = new Socket()
  const kAny = Symbol('any')
  const request = () => {
    const req = new IncomingMessage(socket)
    Object.setPrototypeOf(req, app.request)
    return req as IncomingMessage & { auth?: unknown; [kAny]?: unknown }
  }
  add('Express request: its prototype swapped, for scale', timeSync(request, iterations, rounds))
  add(
    'the same, then one property added (req.auth)',
    timeSync(
      () => {
        request().auth = 1
      },
      iterations,
      rounds,
    ),
  )
  add(
    'the same, then four properties added',
    timeSync(
      () => {
        const req = request()
        req.auth = 1
        req[kAny] = 2
        ;(req as unknown as Record<string, number>).b = 3
        ;(req as unknown as Record<string, number>).c = 4
      },
      iterations,
      rounds,
    ),
  )
  socket.destroy()
}

/** `apiTokens` with the cache off over the SQLite store on a fresh file, and its lookup alone. */
async function addStoreRows(
  add: (name: string, timed: number | Timed) => void,
  iterations: number,
  rounds: number,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-bench-gate-'))
  const store = await openStore({ url: `sqlite:${join(dir, 'keygate.db')}` })
  try {
    await store.migrate()
    const { token, digest } = await seedBenchToken(store, 'bench')
    const verifier = createAPITokenVerifier({ store })
    const gate = createAuthenticator({
      strategies: [apiTokens({ store: verifier, cache: false, onUse: () => {} })],
    })
    add(
      "SQLite store: a verification's lookup by digest (verifyByDigestSync)",
      timeSync(() => store.tokens.verifyByDigestSync!(digest, new Date()), iterations, rounds),
    )
    add(
      'apiTokens, cache off, SQLite store on a file',
      await timeAuthenticate(gate, `Bearer ${token}`, iterations, rounds, true),
    )
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
