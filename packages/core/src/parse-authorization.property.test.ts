import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { headersFromRaw } from './auth-request.js'
import { InvalidRequestError } from './errors.js'
import { extractCredential, parseAuthorization } from './extract-credential.js'

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/'
const b64char = fc.constantFrom(...B64.split(''))

/** RFC 6750 §2.1 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
const token68 = fc
  .tuple(
    fc.array(b64char, { minLength: 1, maxLength: 120 }).map((chars) => chars.join('')),
    fc.integer({ min: 0, max: 3 }),
  )
  .map(([body, padding]) => body + '='.repeat(padding))

/** "bearer" in any letter case. */
const bearerScheme = fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }).map((upper) =>
  'bearer'
    .split('')
    .map((c, i) => (upper[i] ? c.toUpperCase() : c))
    .join(''),
)

const spaces = fc.integer({ min: 1, max: 8 }).map((n) => ' '.repeat(n))

/** Any UTF-16 string, including lone surrogates, controls and non-ASCII. */
const anyString = fc.string({ unit: 'binary', maxLength: 200 })
const anyASCII = fc.string({
  unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
  maxLength: 200,
})
/** Strings built from characters that matter to the grammar, so that near-misses are common. */
const trickyString = fc
  .array(
    fc.constantFrom(
      'Bearer',
      'bearer',
      ' ',
      '\t',
      ',',
      '=',
      '"',
      'a',
      'Z',
      '9',
      '-',
      '/',
      '\u00e9',
      '\n',
      'Basic',
    ),
    {
      maxLength: 12,
    },
  )
  .map((parts) => parts.join(''))

function outcome(fn: () => unknown): 'ok' | 'invalid_request' {
  try {
    fn()
    return 'ok'
  } catch (error) {
    // Anything but an InvalidRequestError (a TypeError, a RangeError…) fails the property.
    if (error instanceof InvalidRequestError && error.code === 'invalid_request') {
      return 'invalid_request'
    }
    throw error
  }
}

describe('parseAuthorization properties', () => {
  it('round-trips every valid token68, whatever the scheme case and number of spaces', () => {
    fc.assert(
      fc.property(bearerScheme, spaces, token68, (scheme, sp, token) => {
        expect(parseAuthorization(`${scheme}${sp}${token}`)).toEqual({
          kind: 'bearer',
          header: 'authorization',
          token,
        })
      }),
      { numRuns: 1000 },
    )
  })

  it('either returns a credential or throws InvalidRequestError for any string', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, anyASCII, trickyString), (value) => {
        outcome(() => parseAuthorization(value))
      }),
      { numRuns: 2000 },
    )
  })

  it('rejects any token holding a character outside the token68 alphabet', () => {
    const outside = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 1 })
      .filter((c) => !B64.includes(c) && c !== '=')
    fc.assert(
      fc.property(
        fc.string({ unit: b64char, maxLength: 40 }),
        outside,
        fc.string({ unit: b64char, maxLength: 40 }),
        (before, bad, after) => {
          expect(outcome(() => parseAuthorization(`Bearer ${before}${bad}${after}`))).toBe(
            'invalid_request',
          )
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('rejects "=" anywhere but at the end', () => {
    fc.assert(
      fc.property(
        token68,
        fc.string({ unit: b64char, minLength: 1, maxLength: 20 }),
        (head, tail) => {
          fc.pre(head.endsWith('='))
          expect(outcome(() => parseAuthorization(`Bearer ${head}${tail}`))).toBe('invalid_request')
        },
      ),
    )
  })
})

describe('extractCredential properties', () => {
  const headerName = fc.constantFrom(
    'Authorization',
    'authorization',
    'X-Service-Token',
    'x-service-token',
    'Accept',
  )
  const headerValue = fc.oneof(
    anyString,
    anyASCII,
    trickyString,
    token68.map((t) => `Bearer ${t}`),
  )
  const rawHeaders = fc
    .array(fc.tuple(headerName, headerValue), { maxLength: 4 })
    .map((pairs) => pairs.flat())

  it('never throws anything but InvalidRequestError', () => {
    fc.assert(
      fc.property(rawHeaders, fc.integer({ min: 1, max: 300 }), (raw, maxBytes) => {
        const request = { method: 'GET', path: '/', header: headersFromRaw(raw) }
        outcome(() => extractCredential(request, { headers: ['x-service-token'], maxBytes }))
      }),
      { numRuns: 2000 },
    )
  })

  it('never returns a credential longer than the cap', () => {
    fc.assert(
      fc.property(rawHeaders, fc.integer({ min: 1, max: 300 }), (raw, maxBytes) => {
        const request = { method: 'GET', path: '/', header: headersFromRaw(raw) }
        let credential
        try {
          credential = extractCredential(request, { headers: ['x-service-token'], maxBytes })
        } catch {
          return
        }
        if (credential?.kind === 'bearer')
          expect(credential.token.length).toBeLessThanOrEqual(maxBytes)
        if (credential?.kind === 'header')
          expect(credential.value.length).toBeLessThanOrEqual(maxBytes)
      }),
      { numRuns: 1000 },
    )
  })
})
