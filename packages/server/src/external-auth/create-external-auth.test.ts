import { SecretSourceError, staticSecrets, type SecretSource } from '@keygate/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type KeygateServer } from '../create-server.js'
import { createUser } from '../operations/create-user.js'

const TOKEN = 'a-long-internal-token-0123456789abcdefghij'
const servers: KeygateServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

function start(externalAuth: Record<string, unknown>, source?: SecretSource) {
  return createServer(
    { port: 0, logLevel: 'silent', database: { url: 'sqlite::memory:' }, externalAuth },
    source === undefined ? {} : { internalTokenSource: source },
  )
}

describe('external auth at start', () => {
  it('the flag on and no token fails the start, naming the variable', async () => {
    await expect(start({ enabled: true })).rejects.toThrow(
      'keygate config: externalAuth.enabled is true but no internal token is set: set KEYGATE_INTERNAL_TOKEN (at least 32 bytes) or externalAuth.internalToken',
    )
  })

  it('a token under 32 bytes fails the start without quoting it', async () => {
    const error = await start({ enabled: true, internalToken: 'short-secret' }).catch(
      (e: unknown) => e,
    )
    expect((error as Error).message).toContain(
      'externalAuth.internalToken must be at least 32 bytes',
    )
    expect((error as Error).message).not.toContain('short-secret')
  })

  it('any SecretSource: empty, short or failing fails the start; a source with the mode off is a mistake', async () => {
    await expect(start({ enabled: true }, staticSecrets(['x'.repeat(31)]))).rejects.toThrow(
      'keygate config: externalAuth.internalToken must be at least 32 bytes',
    )
    const empty: SecretSource = { name: 'empty', load: () => Promise.resolve([]) }
    await expect(start({ enabled: true }, empty)).rejects.toThrow(
      'keygate config: externalAuth.enabled is true but the internal token source (empty) is empty',
    )
    const failing: SecretSource = {
      name: 'vault',
      load: () => Promise.reject(new SecretSourceError('unreachable', 'vault is down')),
    }
    await expect(start({ enabled: true }, failing)).rejects.toThrow(
      'keygate config: the internal token source (vault) could not be read at start',
    )
    await expect(start({ enabled: false }, staticSecrets([TOKEN]))).rejects.toThrow(
      'keygate config: an internal token source was given but externalAuth.enabled is false',
    )
    await expect(start({ enabled: true }, staticSecrets([`kg_${TOKEN}`]))).rejects.toThrow(
      'keygate config: externalAuth.internalToken must not start with the API token prefix',
    )
  })

  it('serves with a SecretSource, and during a rotation overlap accepts every secret it yields', async () => {
    const next = `${TOKEN}-next`
    const server = await start({ enabled: true }, staticSecrets([TOKEN, next]))
    servers.push(server)
    const url = await server.listen({ host: '127.0.0.1', port: 0 })
    const user = await createUser({
      users: server.tokenService.store.users,
      email: 'source@example.com',
      password: 'correct horse battery staple',
    })
    for (const secret of [TOKEN, next]) {
      const response = await fetch(`${url}/v1/users/me`, {
        headers: { authorization: `Bearer ${secret}`, 'x-on-behalf-of': user.id },
      })
      expect(response.status).toBe(200)
    }
  })
})
