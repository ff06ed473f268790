import type { RouteOptions } from 'fastify'
import type { ServerContext } from '../context.js'
import '../lib/schema-docs.js'
import { changePasswordRoute } from './change-password.js'
import { checkAuthRoutes } from './check-auth.js'
import { createSessionRoute } from './create-session.js'
import { createTokenRoute } from './create-token.js'
import { createUserRoute } from './create-user.js'
import { createSetupRoute } from './create-setup.js'
import { deleteCurrentSessionRoute } from './delete-current-session.js'
import { getCurrentUserRoute } from './get-current-user.js'
import { getHealthRoute } from './get-health.js'
import { getJWKSRoute } from './get-jwks.js'
import { getPolicyRoute } from './get-policy.js'
import { getReadyRoute } from './get-ready.js'
import { getSetupRoute } from './get-setup.js'
import { getUserRoute } from './get-user.js'
import { listTokensRoute } from './list-tokens.js'
import { listUsersRoute } from './list-users.js'
import { putInternalUserRoute } from './put-internal-user.js'
import { revokeCurrentTokenRoute } from './revoke-current-token.js'
import { revokeTokenRoute } from './revoke-token.js'
import { rotateTokenRoute } from './rotate-token.js'
import { updateUserRoute } from './update-user.js'
import { consoleRoutes } from './get-console.js'
import { getDocsRoute } from './get-docs.js'
import { getMetricsRoute } from './get-metrics.js'
import { getOpenAPIRoute } from './get-openapi.js'
import { listAuditEventsRoute } from './list-audit-events.js'

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
    createSetupRoute(ctx),
    getSetupRoute(ctx),
    getPolicyRoute(ctx),
    createSessionRoute(ctx),
    deleteCurrentSessionRoute(ctx),
    getJWKSRoute(ctx),
    ...checkAuthRoutes(ctx),
    // Only when external auth is on: otherwise the path does not exist (404), and a request
    // bearing the internal token gets the ordinary answer to an unknown bearer (401).
    ...(ctx.externalAuth === undefined ? [] : [putInternalUserRoute(ctx, ctx.externalAuth)]),
    listAuditEventsRoute(ctx),
    ...(ctx.config.metrics.enabled ? [getMetricsRoute(ctx)] : []),
    ...(ctx.config.apiDocs ? [getOpenAPIRoute(ctx), getDocsRoute(ctx)] : []),
    ...consoleRoutes(),
  ]
}
