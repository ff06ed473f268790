import { describe, expect, it } from 'vitest'
import { createAnswerCache, type Entry } from './answer-cache.js'
import { readRevocation } from './revocation-stream.js'

function active(id: string, userId: string): Entry {
  return {
    value: {
      id,
      userId,
      scopes: [],
      expiresAt: new Date(2_000_000_000_000),
      revokedAt: null,
      userDisabled: false,
      graceUntil: null,
    },
    freshUntil: 1,
    staleUntil: 2,
  }
}

describe('the answer cache of introspection()', () => {
  it('drops the least recently stored answer past max, and every answer of a token or a user', () => {
    const cache = createAnswerCache(3)
    cache.set('a', active('tok_a', 'u1'))
    cache.set('b', active('tok_b', 'u1'))
    cache.set('c', active('tok_c', 'u2'))
    cache.set('d', { value: undefined, freshUntil: 1, staleUntil: 1 })
    expect(['a', 'b', 'c', 'd'].map((key) => cache.get(key) !== undefined)).toEqual([
      false,
      true,
      true,
      true,
    ])
    cache.dropUser('u1')
    expect(cache.get('b')).toBeUndefined()
    cache.dropToken('tok_c')
    expect(cache.get('c')).toBeUndefined()
    expect(cache.get('d')).toBeDefined()
  })

  it('starts a new generation on every revocation and clear, and a clear drops calls in flight', () => {
    const cache = createAnswerCache(10)
    const first = cache.generation
    cache.bump()
    expect(cache.generation).not.toBe(first)
    const second = cache.generation
    cache.inflight.set('k', Promise.resolve(undefined))
    cache.set('k', active('tok_k', 'u'))
    cache.clear()
    expect(cache.generation).not.toBe(second)
    expect(cache.inflight.size).toBe(0)
    expect(cache.get('k')).toBeUndefined()
  })
})

describe('readRevocation', () => {
  it('reads the events of GET /v1/auth/revocations; anything else is unknown', () => {
    const cases: [string, ReturnType<typeof readRevocation>][] = [
      ['{"type":"token.revoked","token_id":"tok_1"}', { kind: 'token', tokenId: 'tok_1' }],
      ['{"type":"token.rotated","token_id":"tok_2"}', { kind: 'token', tokenId: 'tok_2' }],
      ['{"type":"session.ended","session_id":"s1"}', { kind: 'session', sessionId: 's1' }],
      ['{"type":"user.disabled","user_id":"u1"}', { kind: 'user', userId: 'u1' }],
      ['{"type":"user.changed","user_id":"u2"}', { kind: 'user', userId: 'u2' }],
      ['{"type":"token.revoked","token_id":7}', { kind: 'unknown' }],
      ['{"type":"user.deleted","user_id":"u3"}', { kind: 'unknown' }],
      ['not json', { kind: 'unknown' }],
      ['null', { kind: 'unknown' }],
    ]
    for (const [data, expected] of cases) expect(readRevocation(data)).toEqual(expected)
  })
})
