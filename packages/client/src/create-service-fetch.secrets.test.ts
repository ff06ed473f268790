import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import {
  AuthError,
  SecretSourceError,
  staticSecrets,
  type Logger,
  type SecretSource,
} from '@keygate/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  mutableSource,
  startProtectedServer,
  type ProtectedServer,
} from '../test/protected-server.js'
import { createServiceFetch } from './index.js'

const secret = () => randomBytes(32).toString('base64url')
const SERVER = secret()
const CLIENT = secret()

const lines: string[] = []
const logger: Logger = {
  warn: (o, m) => lines.push(`warn ${JSON.stringify(o)} ${m}`),
  error: (o, m) => lines.push(`error ${JSON.stringify(o)} ${m}`),
  info: (o, m) => lines.push(`info ${JSON.stringify(o)} ${m}`),
  debug: (o, m) => lines.push(`debug ${JSON.stringify(o)} ${m}`),
}

let api: ProtectedServer
beforeAll(async () => {
  api = await startProtectedServer({ source: staticSecrets([SERVER]), logger })
})
afterAll(async () => {
  await api.close()
})

/** Everything an error could show: message, stack, own properties and the whole cause chain. */
function everything(error: unknown): string {
  let out = `${String(error)}\n${inspect(error, { depth: 20 })}`
  for (let e: unknown = error; e instanceof Error; e = e.cause)
    out += `\n${e.message}\n${e.stack ?? ''}\n${JSON.stringify(e)}`
  return out
}

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (e: unknown) => e,
  )
}

function expectNoSecret(text: string, ...values: string[]): void {
  for (const value of values) expect(text).not.toContain(value)
}

describe('createServiceFetch(): the secret never appears in logs or errors', () => {
  it('a source that fails (its own message quoting the secret) → auth_unavailable, message dropped', async () => {
    const leaky: SecretSource = {
      name: 'leaky',
      load: () => Promise.reject(new Error(`could not parse ${CLIENT}`)),
    }
    const call = createServiceFetch({ source: leaky, origins: [api.origin], logger })
    const error = await thrown(call(`${api.url}/echo`))
    expect(error).toBeInstanceOf(AuthError)
    expect(error).toMatchObject({
      code: 'auth_unavailable',
      message: 'The service token source leaky is unavailable',
    })
    expectNoSecret(everything(error), CLIENT)
    expect(
      lines.some(
        (l) => l.includes('keygate: secret source failed') && l.includes('"source":"leaky"'),
      ),
    ).toBe(true)
  })

  it("a SecretSourceError's safe message travels as the cause", async () => {
    const failing: SecretSource = {
      name: 'file:/run/secrets/token',
      load: () =>
        Promise.reject(
          new SecretSourceError('ENOENT', 'cannot read secret file /run/secrets/token (ENOENT)'),
        ),
    }
    const error = await thrown(
      createServiceFetch({ source: failing, origins: [api.origin] })(`${api.url}/echo`),
    )
    expect(error).toMatchObject({ code: 'auth_unavailable' })
    expect((error as Error).cause).toBeInstanceOf(SecretSourceError)
  })

  it('an empty source → auth_not_configured', async () => {
    const error = await thrown(
      createServiceFetch({ source: staticSecrets([]), origins: [api.origin] })(`${api.url}/echo`),
    )
    expect(error).toMatchObject({
      code: 'auth_not_configured',
      message: 'No service token is configured (static is empty)',
    })
  })

  it('a secret a header cannot carry is refused without being quoted', async () => {
    for (const [value, header] of [
      [`${CLIENT} tail`, 'authorization'],
      [`${CLIENT}\r\nx-injected: 1`, 'authorization'],
      [`${CLIENT},other`, 'x-service-token'],
    ] as const) {
      const error = await thrown(
        createServiceFetch({ source: staticSecrets([value]), header, origins: [api.origin] })(
          `${api.url}/echo`,
        ),
      )
      expect(error).toBeInstanceOf(SecretSourceError)
      expect((error as Error).message).toBe(
        `the service token from static holds characters the ${header} header cannot carry`,
      )
      expectNoSecret(everything(error), CLIENT)
    }
  })

  it('the retry path and a failed refresh log without the secret', async () => {
    const OLD = secret()
    const source = mutableSource([OLD], 'rotating')
    const call = createServiceFetch({
      source: source.source,
      cache: { ttlMs: 3_600_000 },
      origins: [api.origin],
      logger,
    })
    await call.cache.get()
    source.set([SERVER])
    expect((await call(`${api.url}/echo`)).status).toBe(200)
    expect(lines.some((l) => l.startsWith('info') && l.includes('retrying once'))).toBe(true)

    // Refused, and the source still has the same token: the 401 is returned, and said so.
    const stuck = createServiceFetch({
      source: staticSecrets([OLD]),
      origins: [api.origin],
      logger,
    })
    expect((await stuck(`${api.url}/echo`)).status).toBe(401)
    expect(lines.some((l) => l.includes('the source has no other; returning the 401'))).toBe(true)

    // Refused, and now the source is down (past maxStale): the 401 is returned, the failure logged.
    let loads = 0
    let clock = 0
    const down = createServiceFetch({
      source: {
        name: 'flaky',
        load: () =>
          loads++ === 0
            ? Promise.resolve([{ value: OLD }])
            : Promise.reject(new Error(`boom ${OLD}`)),
      },
      // Every reading of this clock is a millisecond later: the set is always expired, never within maxStale.
      cache: { ttlMs: 0, maxStaleMs: 0, now: () => clock++ },
      origins: [api.origin],
      logger,
    })
    expect((await down(`${api.url}/echo`)).status).toBe(401)
    expect(
      lines.some((l) => l.includes('service token refused and the source could not be refreshed')),
    ).toBe(true)
    expectNoSecret(lines.join('\n'), OLD)
  })

  it('origin and redirect refusals, and network errors, carry no secret', async () => {
    const call = createServiceFetch({ secret: CLIENT, origins: [api.origin], logger })
    expectNoSecret(everything(await thrown(call('http://127.0.0.2:1/x'))), CLIENT)
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const network = createServiceFetch({ secret: CLIENT, origins: [`http://127.0.0.1:${port}`] })
    const error = await thrown(network(`http://127.0.0.1:${port}/x`))
    expect(error).toBeInstanceOf(TypeError)
    expectNoSecret(everything(error), CLIENT)
  })

  it('nothing logged so far holds any secret', () => {
    expect(lines.length).toBeGreaterThan(0)
    expectNoSecret(lines.join('\n'), SERVER, CLIENT)
  })
})
