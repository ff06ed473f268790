import type { RouteOptions } from 'fastify'
import { AUDIT_ACTIONS } from '../audit/audit-actions.js'
import { needs, principalOf } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { notFound } from '../lib/errors.js'
import { isUUID } from '../lib/uuid.js'

const strings = { type: 'array', items: { type: 'string' } } as const

/**
 * `GET /v1/auth/policy` (any valid credential of a user): what the caller may ask for — the
 * scopes their role may put on a token (SPEC §5), the token expiry and rotation bounds, the
 * roles and the audit actions — so that a client (the console) offers only valid choices. The
 * API still checks every request: this is a description, not a grant.
 */
export function getPolicyRoute(ctx: ServerContext): RouteOptions {
  const { tokens } = ctx.config
  return {
    method: 'GET',
    url: '/v1/auth/policy',
    config: needs(),
    schema: {
      summary: 'What the caller may request: scopes, expiry and rotation bounds, roles',
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['role', 'scopes', 'default_scopes', 'roles', 'tokens', 'audit_actions'],
          properties: {
            role: { type: 'string', description: 'The caller’s role.' },
            scopes: { ...strings, description: 'The scopes the caller’s role may grant.' },
            default_scopes: {
              ...strings,
              description: 'Scopes of a token created without `scopes`.',
            },
            roles: { ...strings, description: 'Every role.' },
            tokens: {
              type: 'object',
              additionalProperties: false,
              required: [
                'min_days',
                'max_days',
                'default_days',
                'rotation_grace_seconds',
                'max_rotation_grace_seconds',
              ],
              properties: {
                min_days: { type: 'integer' },
                max_days: { type: 'integer' },
                default_days: { type: 'integer' },
                rotation_grace_seconds: { type: 'integer' },
                max_rotation_grace_seconds: { type: 'integer' },
              },
            },
            audit_actions: strings,
          },
        },
      },
    },
    handler: async (request) => {
      const { subject } = principalOf(request)
      const user = isUUID(subject) ? await ctx.store.users.findById(subject) : undefined
      if (user === undefined) throw notFound()
      return {
        role: user.role,
        scopes: ctx.policy.scopes.filter((scope) => ctx.policy.canGrant(user.role, scope)),
        default_scopes: [...tokens.defaultScopes],
        roles: [...ctx.policy.roles],
        tokens: {
          min_days: tokens.minDays,
          max_days: tokens.maxDays,
          default_days: tokens.defaultDays,
          rotation_grace_seconds: tokens.rotationGraceSeconds,
          max_rotation_grace_seconds: tokens.maxRotationGraceSeconds,
        },
        audit_actions: [...AUDIT_ACTIONS],
      }
    },
  }
}
