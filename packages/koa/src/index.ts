export { getPrincipal, keygate, type KoaAuth, type KoaAuthOptions } from './keygate.js'
export type { Principal } from '@keygate/core'
