export {
  createNodeAuth,
  getPrincipal,
  type NodeAuth,
  type NodeAuthOptions,
  type NodeHandler,
} from './create-node-auth.js'
