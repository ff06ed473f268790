export {
  internalToken,
  ON_BEHALF_OF_HEADER,
  type InternalTokenOptions,
  type InternalTokenStrategy,
  type InternalTokenUser,
  type InternalTokenUserStore,
} from './internal-token.js'
