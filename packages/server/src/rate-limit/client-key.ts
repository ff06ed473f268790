import { isIPv4, isIPv6 } from 'node:net'

function expandIPv6(input: string): number[] | undefined {
  let ip = input.split('%')[0]!
  const tail: number[] = []
  const lastColon = ip.lastIndexOf(':')
  const v4 = ip.slice(lastColon + 1)
  if (v4.includes('.')) {
    // An embedded IPv4 tail (::ffff:192.0.2.1) stands for the last two groups.
    if (!isIPv4(v4)) return undefined
    const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number]
    tail.push((a << 8) | b, (c << 8) | d)
    ip = ip.slice(0, lastColon + 1)
    if (!ip.endsWith('::')) ip = ip.slice(0, -1)
  }
  const split = (s: string): number[] =>
    s === '' ? [] : s.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN))
  const double = ip.indexOf('::')
  let groups: number[]
  if (double === -1) {
    groups = [...split(ip), ...tail]
  } else {
    const left = split(ip.slice(0, double))
    const right = [...split(ip.slice(double + 2)), ...tail]
    const fill = 8 - left.length - right.length
    if (fill < 1) return undefined
    groups = [...left, ...new Array<number>(fill).fill(0), ...right]
  }
  return groups.length === 8 && groups.every((g) => !Number.isNaN(g)) ? groups : undefined
}

/**
 * The rate-limit key of a client address: an IPv4 address as is (IPv4-mapped IPv6 included), and
 * an IPv6 address by its /64 — one subscriber usually holds a whole /64, so per-address limits
 * would be trivially escaped by rotating the low 64 bits.
 *
 * @example
 * ```ts
 * clientKey('::ffff:203.0.113.7') // '203.0.113.7'
 * clientKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 * ```
 */
export function clientKey(ip: string): string {
  if (isIPv4(ip)) return ip
  if (isIPv6(ip)) {
    const groups = expandIPv6(ip)
    if (groups !== undefined) {
      if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
        const [hi, lo] = [groups[6]!, groups[7]!]
        return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`
      }
      return `${groups
        .slice(0, 4)
        .map((g) => g.toString(16))
        .join(':')}::/64`
    }
  }
  return ip
}
