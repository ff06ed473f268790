export {
  getPrincipal,
  keygate,
  requirePrincipal,
  requireScopes,
  type KoaAuth,
  type KoaAuthOptions,
} from './keygate.js'
export { KeygateError, type Principal } from '@keygate/core'
