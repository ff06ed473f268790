import { describe, expect, it, vi } from 'vitest'
import {
  headersFromRaw,
  headersFromRecord,
  headersFromWeb,
  type AuthRequest,
} from './auth-request.js'
import { InvalidRequestError } from './errors.js'
import {
  DEFAULT_MAX_CREDENTIAL_BYTES,
  extractCredential,
  type ExtractCredentialOptions,
} from './extract-credential.js'

/** A request whose header lines are given as on the wire: `['Name', 'value', …]`. */
function request(...raw: string[]): AuthRequest {
  return { method: 'GET', path: '/private', header: headersFromRaw(raw) }
}

const CUSTOM: ExtractCredentialOptions = { headers: ['x-service-token'] }

function rejection(fn: () => unknown): InvalidRequestError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError)
    return error as InvalidRequestError
  }
  throw new Error('expected an InvalidRequestError')
}

function expectInvalid(fn: () => unknown, detail: string | RegExp): void {
  const error = rejection(fn)
  expect(error.code).toBe('invalid_request')
  expect(error.status).toBe(400)
  if (typeof detail === 'string') expect(error.message).toBe(detail)
  else expect(error.message).toMatch(detail)
  expect(error.detail).toBe(error.message)
}

describe('extractCredential', () => {
  it('returns undefined when the request carries no credential', () => {
    expect(extractCredential(request(), CUSTOM)).toBeUndefined()
    expect(extractCredential(request('Accept', 'text/plain'), CUSTOM)).toBeUndefined()
  })

  it('finds a bearer token', () => {
    expect(extractCredential(request('Authorization', 'Bearer abc'), CUSTOM)).toEqual({
      kind: 'bearer',
      header: 'authorization',
      token: 'abc',
    })
  })

  it('matches header names case-insensitively', () => {
    expect(extractCredential(request('AUTHORIZATION', 'Bearer abc'), CUSTOM)).toMatchObject({
      token: 'abc',
    })
    expect(extractCredential(request('X-Service-Token', 's3cret'), CUSTOM)).toEqual({
      kind: 'header',
      header: 'x-service-token',
      value: 's3cret',
    })
  })

  it('reports another scheme without parsing its parameters', () => {
    expect(extractCredential(request('Authorization', 'Basic dXNlcjpwYXNz'), CUSTOM)).toEqual({
      kind: 'other-scheme',
      header: 'authorization',
      scheme: 'Basic',
    })
  })

  it('ignores custom headers that no strategy reads', () => {
    expect(extractCredential(request('X-Other-Token', 'abc'), CUSTOM)).toBeUndefined()
  })

  describe('more than one credential (SPEC §2)', () => {
    it('rejects two Authorization lines, even when both are valid and equal', () => {
      expectInvalid(
        () =>
          extractCredential(
            request('Authorization', 'Bearer a', 'Authorization', 'Bearer a'),
            CUSTOM,
          ),
        'More than one Authorization header',
      )
    })

    it('rejects Authorization plus the custom header', () => {
      expectInvalid(
        () =>
          extractCredential(request('Authorization', 'Bearer a', 'X-Service-Token', 'b'), CUSTOM),
        'More than one credential in the request',
      )
      // Whatever the order on the wire.
      expectInvalid(
        () =>
          extractCredential(request('X-Service-Token', 'b', 'Authorization', 'Bearer a'), CUSTOM),
        'More than one credential in the request',
      )
    })

    it('rejects another scheme plus the custom header', () => {
      expectInvalid(
        () =>
          extractCredential(request('Authorization', 'Basic eA==', 'X-Service-Token', 'b'), CUSTOM),
        'More than one credential in the request',
      )
    })

    it('rejects a repeated custom header', () => {
      expectInvalid(
        () => extractCredential(request('X-Service-Token', 'a', 'x-service-token', 'a'), CUSTOM),
        'More than one x-service-token header',
      )
    })

    it('rejects two different custom headers', () => {
      const options = { headers: ['x-service-token', 'x-agent-token'] }
      expectInvalid(
        () => extractCredential(request('X-Service-Token', 'a', 'X-Agent-Token', 'b'), options),
        'More than one credential in the request',
      )
    })

    it('rejects a custom header that Node joined from two lines ("a, b")', () => {
      // req.headers / headersDistinct-less adapters see `a, b` for two lines.
      const joined: AuthRequest = {
        method: 'GET',
        path: '/',
        header: headersFromRecord({ 'x-service-token': 'secret-a, secret-b' }),
      }
      expectInvalid(() => extractCredential(joined, CUSTOM), 'Malformed x-service-token header')
    })

    it('rejects a custom header value with a bare comma', () => {
      expectInvalid(
        () => extractCredential(request('X-Service-Token', 'a,b'), CUSTOM),
        'Malformed x-service-token header',
      )
    })

    it('rejects two Authorization values joined by Fetch Headers', () => {
      const headers = new Headers()
      headers.append('authorization', 'Bearer a')
      headers.append('authorization', 'Bearer b')
      const joined: AuthRequest = { method: 'GET', path: '/', header: headersFromWeb(headers) }
      expectInvalid(() => extractCredential(joined, CUSTOM), 'Malformed Bearer token')
    })

    it('sees both values of a headersDistinct record', () => {
      const distinct: AuthRequest = {
        method: 'GET',
        path: '/',
        header: headersFromRecord({ authorization: ['Bearer a', 'Bearer b'] }),
      }
      expectInvalid(() => extractCredential(distinct, CUSTOM), 'More than one Authorization header')
    })
  })

  describe('malformed custom header values', () => {
    it.each([
      ['empty', ''],
      ['a space', 'abc def'],
      ['a tab', 'abc\tdef'],
      ['non-ASCII', 's\u00e9cret'],
      ['a control character', 'abc\u0001'],
      ['DEL', 'abc\u007f'],
    ])('rejects %s', (_name, value) => {
      expectInvalid(
        () => extractCredential(request('X-Service-Token', value), CUSTOM),
        'Malformed x-service-token header',
      )
    })

    it('accepts every visible ASCII character but the comma', () => {
      let visible = ''
      for (let c = 0x21; c <= 0x7e; c++) if (c !== 0x2c) visible += String.fromCharCode(c)
      expect(extractCredential(request('X-Service-Token', visible), CUSTOM)).toMatchObject({
        value: visible,
      })
    })
  })

  describe('size cap, applied before any parsing', () => {
    it('defaults to 4 KiB', () => {
      expect(DEFAULT_MAX_CREDENTIAL_BYTES).toBe(4096)
    })

    it('rejects a 5000-character bearer token that would otherwise be valid', () => {
      const value = `Bearer ${'a'.repeat(4993)}`
      expect(value).toHaveLength(5000)
      // Valid under a larger cap: only the size decides.
      expect(
        extractCredential(request('Authorization', value), { ...CUSTOM, maxBytes: 5000 }),
      ).toMatchObject({ kind: 'bearer' })
      expectInvalid(
        () => extractCredential(request('Authorization', value), CUSTOM),
        'The authorization header is too large',
      )
    })

    it('rejects an oversize malformed value as oversize, proving the parser never ran', () => {
      const value = `Bearer ${'a'.repeat(4500)} trailing junk`
      expectInvalid(
        () => extractCredential(request('Authorization', value), CUSTOM),
        'The authorization header is too large',
      )
    })

    it('rejects an oversize custom header that would otherwise be valid', () => {
      const value = 'a'.repeat(5000)
      expectInvalid(
        () => extractCredential(request('X-Service-Token', value), CUSTOM),
        'The x-service-token header is too large',
      )
    })

    it('accepts a value exactly at the cap', () => {
      const value = `Bearer ${'a'.repeat(DEFAULT_MAX_CREDENTIAL_BYTES - 7)}`
      expect(value).toHaveLength(DEFAULT_MAX_CREDENTIAL_BYTES)
      expect(extractCredential(request('Authorization', value), CUSTOM)).toMatchObject({
        kind: 'bearer',
      })
    })

    it('honours a custom maxBytes', () => {
      const options = { ...CUSTOM, maxBytes: 16 }
      expect(extractCredential(request('X-Service-Token', 'a'.repeat(16)), options)).toMatchObject({
        kind: 'header',
      })
      expectInvalid(
        () => extractCredential(request('X-Service-Token', 'a'.repeat(17)), options),
        'The x-service-token header is too large',
      )
      expectInvalid(
        () => extractCredential(request('Authorization', 'Bearer 0123456789'), options),
        'The authorization header is too large',
      )
    })

    it('does not run the parser on a value past the cap', () => {
      const value = `Bearer ${'a'.repeat(5000)}`
      const test = vi.spyOn(RegExp.prototype, 'test')
      let thrown: unknown
      try {
        extractCredential(request('Authorization', value), CUSTOM)
      } catch (error) {
        thrown = error
      }
      const calls = test.mock.calls.length
      // Control: under the cap the same value is parsed (the spy does see the parser).
      extractCredential(request('Authorization', value), { ...CUSTOM, maxBytes: 6000 })
      const controlCalls = test.mock.calls.length - calls
      test.mockRestore()
      expect(thrown).toBeInstanceOf(InvalidRequestError)
      expect(calls).toBe(0)
      expect(controlCalls).toBeGreaterThan(0)
    })
  })
})
