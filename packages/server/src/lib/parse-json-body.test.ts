import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ServiceError } from './errors.js'
import { parseJSONBody } from './parse-json-body.js'

function refusal(text: string): unknown {
  try {
    parseJSONBody(text)
  } catch (error) {
    return error
  }
  throw new Error('expected a refusal')
}

describe('parseJSONBody()', () => {
  it('parses JSON; an empty body is no body', () => {
    expect(parseJSONBody('{"a":[1,{"b":null}]}')).toEqual({ a: [1, { b: null }] })
    expect(parseJSONBody('  ')).toBeUndefined()
  })

  it('refuses forbidden keys at any depth, naming where', () => {
    const error = refusal('{"a":{"b":[0,{"__proto__":{"x":1}}]}}') as ServiceError
    expect(error).toBeInstanceOf(ServiceError)
    expect(error.code).toBe('validation_failed')
    expect(error.errors).toEqual([{ path: '/a/b/1/__proto__', message: 'forbidden key' }])
    expect((refusal('{"constructor":{"prototype":{}}}') as ServiceError).errors).toEqual([
      { path: '/constructor', message: 'forbidden key' },
    ])
    expect((refusal('{"a/b":{"prototype":1}}') as ServiceError).errors).toEqual([
      { path: '/a~1b/prototype', message: 'forbidden key' },
    ])
  })

  it('malformed JSON is validation_failed, never another error, and never echoes the input', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseJSONBody(text)
        } catch (error) {
          expect(error).toBeInstanceOf(ServiceError)
          // What the answer carries (detail and errors), not the class's own fields: a short
          // input such as "name" is found in any serialised error.
          const { detail, errors } = error as ServiceError
          const shown = JSON.stringify({ detail, errors })
          expect(shown).not.toContain(text.length > 8 ? text : '\u0000never')
        }
      }),
    )
  })
})
