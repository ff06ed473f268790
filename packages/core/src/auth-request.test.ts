import { describe, expect, it } from 'vitest'
import { headersFromRaw, headersFromRecord, headersFromWeb } from './auth-request.js'

describe('headersFromRaw', () => {
  it('returns every value of a header, in order, matching names case-insensitively', () => {
    const header = headersFromRaw([
      'Authorization',
      'Bearer a',
      'Accept',
      '*/*',
      'authorization',
      'Bearer b',
    ])
    expect(header('authorization')).toEqual(['Bearer a', 'Bearer b'])
    expect(header('accept')).toEqual(['*/*'])
    expect(header('x-missing')).toEqual([])
  })

  it('keeps an empty value', () => {
    expect(headersFromRaw(['X-Service-Token', ''])('x-service-token')).toEqual([''])
  })

  it('matches names in any case, in every position (RFC 9110 §5.1)', () => {
    expect(headersFromRaw(['X-SERVICE-TOKEN', 'a'])('x-service-token')).toEqual(['a'])
    expect(headersFromRaw(['x-Service-tokeN', 'b'])('x-service-token')).toEqual(['b'])
    // Same length, one character off, at the start and at the end.
    expect(headersFromRaw(['Buthorization', 'd'])('authorization')).toEqual([])
    expect(headersFromRaw(['Authorizatioo', 'e'])('authorization')).toEqual([])
    // "@" (64) and "[" (91) sit beside "A"–"Z": never folded.
    expect(headersFromRaw(['@uthorization', 'f'])('`uthorization')).toEqual([])
    expect(headersFromRaw(['[uthorization', 'g'])('{uthorization')).toEqual([])
  })
})

describe('headersFromWeb', () => {
  it('returns the (joined) value of a Fetch Headers field', () => {
    const headers = new Headers([
      ['x-service-token', 'a'],
      ['x-service-token', 'b'],
    ])
    expect(headersFromWeb(headers)('x-service-token')).toEqual(['a, b'])
    expect(headersFromWeb(headers)('authorization')).toEqual([])
  })
})

describe('headersFromRecord', () => {
  it('reads strings and arrays (headersDistinct)', () => {
    const header = headersFromRecord({
      authorization: ['Bearer a', 'Bearer b'],
      'x-token': 'v',
      none: undefined,
    })
    expect(header('authorization')).toEqual(['Bearer a', 'Bearer b'])
    expect(header('x-token')).toEqual(['v'])
    expect(header('none')).toEqual([])
  })
})
