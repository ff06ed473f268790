export {
  introspection,
  type IntrospectionOptions,
  type IntrospectionStats,
  type IntrospectionVerifier,
} from './introspection.js'
