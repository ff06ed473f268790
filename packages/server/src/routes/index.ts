import type { RouteOptions } from 'fastify'
import type { ServerContext } from '../context.js'
import '../lib/schema-docs.js'
import { changePasswordRoute } from './change-password.js'
import { createTokenRoute } from './create-token.js'
import { createUserRoute } from './create-user.js'
import { getCurrentUserRoute } from './get-current-user.js'
import { getHealthRoute } from './get-health.js'
import { getReadyRoute } from './get-ready.js'
import { getUserRoute } from './get-user.js'
import { listTokensRoute } from './list-tokens.js'
import { listUsersRoute } from './list-users.js'
import { revokeCurrentTokenRoute } from './revoke-current-token.js'
import { revokeTokenRoute } from './revoke-token.js'
import { rotateTokenRoute } from './rotate-token.js'
import { updateUserRoute } from './update-user.js'

/** Every route of the token service (SPEC §6), one endpoint per file. */
export function allRoutes(ctx: ServerContext): RouteOptions[] {
  return [
    getHealthRoute(),
    getReadyRoute(ctx),
    createTokenRoute(ctx),
    listTokensRoute(ctx),
    revokeCurrentTokenRoute(ctx),
    revokeTokenRoute(ctx),
    rotateTokenRoute(ctx),
    createUserRoute(ctx),
    listUsersRoute(ctx),
    getCurrentUserRoute(ctx),
    getUserRoute(ctx),
    updateUserRoute(ctx),
    changePasswordRoute(ctx),
  ]
}
