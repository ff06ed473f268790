import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { clientKey } from './client-key.js'

describe('clientKey()', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002::ffff', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0::/64'],
  ])('%s → %s', (ip, key) => {
    expect(clientKey(ip)).toBe(key)
  })

  it('rotating the low 64 bits of an IPv6 address never changes the key', () => {
    const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16))
    fc.assert(
      fc.property(
        fc.array(group, { minLength: 4, maxLength: 4 }),
        fc.array(group, { minLength: 4, maxLength: 4 }),
        (low1, low2) => {
          const high = '2001:db8:aa:bb'
          expect(clientKey(`${high}:${low1.join(':')}`)).toBe(
            clientKey(`${high}:${low2.join(':')}`),
          )
        },
      ),
    )
  })

  it('leaves a value that is not an IP as is', () => {
    expect(clientKey('unix-socket')).toBe('unix-socket')
  })
})
