export {
  getPrincipal,
  keygate,
  requirePrincipal,
  requireScopes,
  type ExpressAuth,
  type ExpressAuthOptions,
} from './keygate.js'
export { KeygateError, type Principal } from '@keygate/core'
