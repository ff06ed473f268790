import { describe, expect, it } from 'vitest'
import { buildWWWAuthenticate } from './build-www-authenticate.js'

describe('buildWWWAuthenticate', () => {
  it('builds a bare challenge when there is no error (RFC 6750 §3.1)', () => {
    expect(buildWWWAuthenticate({ realm: 'api' })).toBe('Bearer realm="api"')
  })

  it('adds error and error_description', () => {
    expect(
      buildWWWAuthenticate({
        realm: 'api',
        error: 'invalid_token',
        description: 'The token expired',
      }),
    ).toBe('Bearer realm="api", error="invalid_token", error_description="The token expired"')
  })

  it('omits an empty description', () => {
    expect(buildWWWAuthenticate({ realm: 'api', error: 'invalid_request', description: '' })).toBe(
      'Bearer realm="api", error="invalid_request"',
    )
  })

  it('never adds a description without an error', () => {
    expect(buildWWWAuthenticate({ realm: 'api', description: 'ignored' })).toBe(
      'Bearer realm="api"',
    )
  })

  describe('realm: an RFC 9110 §5.6.4 quoted-string', () => {
    it('escapes double quotes and backslashes', () => {
      expect(buildWWWAuthenticate({ realm: 'my "quoted" realm' })).toBe(
        'Bearer realm="my \\"quoted\\" realm"',
      )
      expect(buildWWWAuthenticate({ realm: 'C:\\path' })).toBe('Bearer realm="C:\\\\path"')
      expect(buildWWWAuthenticate({ realm: '\\"' })).toBe('Bearer realm="\\\\\\""')
    })

    it('cannot be broken out of to inject attributes', () => {
      const header = buildWWWAuthenticate({ realm: 'x", error="invalid_token' })
      expect(header).toBe('Bearer realm="x\\", error=\\"invalid_token"')
      // One quoted-string: every inner quote is escaped.
      expect(header.slice('Bearer realm="'.length, -1)).not.toMatch(/(^|[^\\])"/)
    })

    it('drops control characters (no header splitting) and non-ASCII, keeps tab', () => {
      expect(buildWWWAuthenticate({ realm: 'a\r\nSet-Cookie: x=1' })).toBe(
        'Bearer realm="aSet-Cookie: x=1"',
      )
      expect(buildWWWAuthenticate({ realm: 'a\u0000b\u007fc\u00e9d\u{1f511}e\tf' })).toBe(
        'Bearer realm="abcde\tf"',
      )
    })
  })

  describe('RFC 6750 §3 character set', () => {
    it('filters error_description to %x20-21 / %x23-5B / %x5D-7E', () => {
      expect(
        buildWWWAuthenticate({
          realm: 'api',
          error: 'invalid_request',
          description: 'bad "value" \\ here\r\n\u00e9\ttab ~!',
        }),
      ).toBe(
        'Bearer realm="api", error="invalid_request", error_description="bad value  heretab ~!"',
      )
    })

    it('keeps every allowed description character', () => {
      let allowed = ''
      for (let c = 0x20; c <= 0x7e; c++)
        if (c !== 0x22 && c !== 0x5c) allowed += String.fromCharCode(c)
      expect(
        buildWWWAuthenticate({ realm: 'api', error: 'invalid_token', description: allowed }),
      ).toBe(`Bearer realm="api", error="invalid_token", error_description="${allowed}"`)
    })

    it('space-separates scopes and filters each to %x21 / %x23-5B / %x5D-7E', () => {
      expect(
        buildWWWAuthenticate({
          realm: 'api',
          error: 'insufficient_scope',
          scope: ['runs:read', 'a"b', 'c\\d', 'has space', 'caf\u00e9'],
        }),
      ).toBe('Bearer realm="api", error="insufficient_scope", scope="runs:read ab cd hasspace caf"')
    })

    it('drops scopes that filter down to nothing, and the attribute when none is left', () => {
      expect(
        buildWWWAuthenticate({ realm: 'api', error: 'insufficient_scope', scope: ['a', '"', ' '] }),
      ).toBe('Bearer realm="api", error="insufficient_scope", scope="a"')
      expect(
        buildWWWAuthenticate({ realm: 'api', error: 'insufficient_scope', scope: ['"', '\u00e9'] }),
      ).toBe('Bearer realm="api", error="insufficient_scope"')
    })

    it('omits scope for an empty list', () => {
      expect(buildWWWAuthenticate({ realm: 'api', error: 'insufficient_scope', scope: [] })).toBe(
        'Bearer realm="api", error="insufficient_scope"',
      )
    })
  })
})
