/**
 * RFC 6750 §2.1 (Authorization Request Header Field) and RFC 9110 §11.4 (credentials grammar):
 *
 *   credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   b64token    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *   auth-scheme is case-insensitive (RFC 9110 §11.1).
 */
import { describe, expect, it } from 'vitest'
import { headersFromRaw } from './auth-request.js'
import { buildWWWAuthenticate } from './build-www-authenticate.js'
import { createProblem } from './create-problem.js'
import { InvalidRequestError, InvalidTokenError, MissingCredentialsError } from './errors.js'
import { extractCredential, parseAuthorization } from './extract-credential.js'

function invalid(value: string): InvalidRequestError {
  try {
    parseAuthorization(value)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError)
    return error as InvalidRequestError
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`)
}

describe('RFC 6750 §2.1: Bearer credentials in the Authorization header', () => {
  it('parses "Bearer <b64token>"', () => {
    expect(parseAuthorization('Bearer mF_9.B5f-4.1JqM')).toEqual({
      kind: 'bearer',
      header: 'authorization',
      token: 'mF_9.B5f-4.1JqM',
    })
  })

  it.each(['Bearer', 'bearer', 'BEARER', 'BeArEr', 'bEARER'])(
    'matches the scheme %s case-insensitively (RFC 9110 §11.1)',
    (scheme) => {
      expect(parseAuthorization(`${scheme} abc`)).toEqual({
        kind: 'bearer',
        header: 'authorization',
        token: 'abc',
      })
    },
  )

  it.each([1, 2, 5, 40])('accepts %i space(s) between scheme and token (1*SP)', (n) => {
    expect(parseAuthorization(`Bearer${' '.repeat(n)}abc`)).toMatchObject({ token: 'abc' })
  })

  it('accepts every b64token character and trailing "=" padding', () => {
    const token = 'ABCXYZabcxyz0189-._~+/=='
    expect(parseAuthorization(`Bearer ${token}`)).toMatchObject({ token })
    expect(parseAuthorization('Bearer a=')).toMatchObject({ token: 'a=' })
  })

  it.each([
    ['no token at all', 'Bearer'],
    ['a separator and no token', 'Bearer '],
    ['only spaces after the scheme', 'Bearer    '],
  ])('rejects %s: missing token', (_name, value) => {
    const error = invalid(value)
    expect([error.code, error.message]).toEqual(['invalid_request', 'Malformed Bearer token'])
  })

  it.each([
    ['trailing junk after a space', 'Bearer abc extra'],
    ['a trailing space', 'Bearer abc '],
    ['a trailing tab', 'Bearer abc\t'],
    ['a comma (a second credential)', 'Bearer abc,def'],
    ['a joined second credential', 'Bearer abc, Bearer def'],
    ['"=" inside the token', 'Bearer a=b'],
    ['only padding', 'Bearer ='],
    ['characters outside b64token', 'Bearer abc$%^'],
    ['a quoted token', 'Bearer "abc"'],
    ['an auth-param instead of token68', 'Bearer token="abc"'],
    ['non-ASCII (latin-1)', 'Bearer t\u00f6k\u00e9n'],
    ['non-ASCII (astral)', 'Bearer abc\u{1f511}'],
    ['a NUL byte', 'Bearer abc\u0000'],
    ['a newline', 'Bearer abc\ndef'],
    ['a trailing newline', 'Bearer abc\n'],
  ])('rejects %s', (_name, value) => {
    const error = invalid(value)
    expect([error.code, error.status, error.message]).toEqual([
      'invalid_request',
      400,
      'Malformed Bearer token',
    ])
  })

  it.each([
    ['a tab as separator (only SP is allowed)', 'Bearer\tabc'],
    ['a leading space', ' Bearer abc'],
    ['an empty value', ''],
    ['a scheme with a non-token character', 'Bea(rer abc'],
    ['a non-ASCII scheme', 'B\u00e9arer abc'],
    ['a scheme glued to the token by a comma', 'Bearer,abc'],
  ])('rejects %s as a malformed Authorization header', (_name, value) => {
    const error = invalid(value)
    expect([error.code, error.message]).toEqual([
      'invalid_request',
      'Malformed Authorization header',
    ])
  })

  it('reports other schemes as other-scheme, keeping their spelling', () => {
    expect(parseAuthorization('Basic dXNlcjpwYXNz')).toEqual({
      kind: 'other-scheme',
      header: 'authorization',
      scheme: 'Basic',
    })
    expect(parseAuthorization('Digest username="x", realm="y"')).toMatchObject({
      kind: 'other-scheme',
      scheme: 'Digest',
    })
    expect(parseAuthorization('Negotiate')).toMatchObject({ kind: 'other-scheme' })
  })

  it('does not mistake look-alike schemes for Bearer', () => {
    for (const scheme of ['Bearerx', 'Bear', 'XBearer', 'Bearer-Token', 'DPoP']) {
      expect(parseAuthorization(`${scheme} abc`)).toEqual({
        kind: 'other-scheme',
        header: 'authorization',
        scheme,
      })
    }
  })

  it('rejects two Authorization header lines', () => {
    const request = {
      method: 'GET',
      path: '/',
      header: headersFromRaw(['Authorization', 'Bearer abc', 'Authorization', 'Bearer abc']),
    }
    expect(() => extractCredential(request, { headers: [] })).toThrow(
      expect.objectContaining({
        code: 'invalid_request',
        message: 'More than one Authorization header',
      }),
    )
  })
})

describe('RFC 6750 §3: the WWW-Authenticate challenge', () => {
  it('§3: a request without credentials gets a challenge without error information', () => {
    const { status, headers } = createProblem(new MissingCredentialsError(), { realm: 'example' })
    expect(status).toBe(401)
    expect(headers['www-authenticate']).toBe('Bearer realm="example"')
  })

  it('§3.1 invalid_request: 400 with error="invalid_request"', () => {
    const { status, headers } = createProblem(invalid('Bearer'), { realm: 'example' })
    expect(status).toBe(400)
    expect(headers['www-authenticate']).toBe(
      'Bearer realm="example", error="invalid_request", error_description="Malformed Bearer token"',
    )
  })

  it('§3.1 invalid_token: 401 with error="invalid_token"', () => {
    const { status, headers } = createProblem(new InvalidTokenError(), { realm: 'example' })
    expect(status).toBe(401)
    expect(headers['www-authenticate']).toBe(
      'Bearer realm="example", error="invalid_token", error_description="The credential is not valid"',
    )
  })

  it('§3 example: realm, error and scope attributes', () => {
    expect(
      buildWWWAuthenticate({
        realm: 'example',
        error: 'insufficient_scope',
        scope: ['a:read', 'b:write'],
      }),
    ).toBe('Bearer realm="example", error="insufficient_scope", scope="a:read b:write"')
  })
})
