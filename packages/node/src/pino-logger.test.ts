import { Writable } from 'node:stream'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serviceToken, type SecretSource } from '@keygate/core'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createNodeAuth } from './index.js'

function capture() {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  return { lines, logger: pino({ level: 'debug' }, stream) }
}

describe('a pino logger', () => {
  it('is accepted as is and gets structured lines without the secret', async () => {
    const { lines, logger } = capture()
    const secret = 'pino-test-secret-0123456789abcdef'
    const failing: SecretSource = {
      name: 'vault',
      load: () => Promise.reject(new Error(`no access to ${secret}`)),
    }
    const auth = createNodeAuth({
      strategies: [serviceToken({ source: failing })],
      logger,
      whenUnset: 'open',
    })
    const server = createServer(auth.protect((_req, res) => res.end('ok')))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const res = await fetch(`http://127.0.0.1:${port}/x`, {
        headers: { authorization: `Bearer ${secret}` },
      })
      expect(res.status).toBe(503)
    } finally {
      server.close()
    }
    // The start-up warning about whenUnset and the source failure, as pino JSON lines.
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        "keygate: whenUnset is 'open': with no secret configured, requests pass unauthenticated",
        'keygate: secret source failed',
      ]),
    )
    const failure = lines.find((l) => l.msg === 'keygate: secret source failed')!
    expect(failure).toMatchObject({ level: 40, source: 'vault', error: 'Error' })
    expect(JSON.stringify(lines)).not.toContain(secret)
  })
})
