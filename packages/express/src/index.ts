export { keygate, type ExpressAuth, type ExpressAuthOptions } from './keygate.js'
export type { Principal } from '@keygate/core'
