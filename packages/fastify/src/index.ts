export {
  keygate,
  keygate as default,
  type KeygateFastifyOptions,
  type KeygateRouteConfig,
  type VerifyKeygate,
} from './keygate.js'
export { requireScopes, type KeygateHook } from './require-scopes.js'
export { getPrincipal, requirePrincipal } from './get-principal.js'
export { KeygateError } from '@keygate/core'
export type { Principal } from '@keygate/core'
