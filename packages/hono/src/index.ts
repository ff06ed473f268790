export { keygate, type KeygateHonoOptions, type KeygateVariables } from './keygate.js'
export { requireScopes } from './require-scopes.js'
export { getPrincipal, requirePrincipal } from './get-principal.js'
export type { Principal } from '@keygate/core'
