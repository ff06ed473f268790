import { BlockList, isIPv4, isIPv6 } from 'node:net'

/** Whether a socket peer address is one of the configured `trustProxy` proxies. */
export type PeerTrust = (address: string | undefined) => boolean

const MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i

/**
 * The `trustProxy` list (IPs and CIDRs, as validated by the configuration) as a predicate on a
 * socket's peer address. `false` trusts no one. IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`, what a
 * dual-stack socket reports) are matched as the IPv4 address they carry.
 *
 * @example
 * ```ts
 * const trusted = createPeerTrust(['10.0.0.0/8', '::1'])
 * trusted('::ffff:10.1.2.3') // true
 * ```
 */
export function createPeerTrust(list: false | readonly string[]): PeerTrust {
  if (list === false) return () => false
  const blocks = new BlockList()
  for (const entry of list) {
    const [address = '', bits] = entry.split('/')
    const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined
    if (type === undefined)
      throw new TypeError(`trustProxy: ${JSON.stringify(entry)} is not an IP or CIDR`)
    if (bits === undefined) blocks.addAddress(address, type)
    else blocks.addSubnet(address, Number(bits), type)
  }
  return (address) => {
    if (address === undefined) return false
    const mapped = MAPPED.exec(address)
    if (mapped !== null) return blocks.check(mapped[1]!, 'ipv4')
    if (isIPv4(address)) return blocks.check(address, 'ipv4')
    return isIPv6(address) && blocks.check(address, 'ipv6')
  }
}
