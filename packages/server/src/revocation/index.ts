export {
  connectRevocations,
  type ConnectRevocationsOptions,
  type RevocationLink,
  type RevocationTarget,
} from './connect-revocations.js'
export {
  createPostgresRevocationBus,
  postgresRevocationChannel,
  type PostgresRevocationBusOptions,
} from './create-postgres-revocation-bus.js'
export {
  createRedisRevocationBus,
  type RedisRevocationBusOptions,
} from './create-redis-revocation-bus.js'
export type { Revocation, RevocationBus, RevocationListener } from './revocation-bus.js'
export { openRevocationBus, type OpenRevocationBusOptions } from './open-revocation-bus.js'
export { publishRevocations, type PublishRevocationsOptions } from './publish-revocations.js'
export {
  createRevocationFeed,
  formatRevocationEvent,
  recordRevocationEvents,
  type FeedSubscriber,
  type RevocationFeed,
  type RevocationFeedOptions,
} from './create-revocation-feed.js'
