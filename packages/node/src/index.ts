export {
  createNodeAuth,
  getPrincipal,
  keygate,
  requirePrincipal,
  requireScopes,
  type NodeAuth,
  type NodeAuthOptions,
  type NodeHandler,
} from './create-node-auth.js'
export { KeygateError, type Principal } from '@keygate/core'
