import type { RouteOptions } from 'fastify'
import type { ServerContext } from '../context.js'
import type { ExternalAuth } from '../external-auth/create-external-auth.js'
import { behind, createSideGate } from '../auth/side-gate.js'
import { PROVISIONING_SCOPE } from '../external-auth/internal-caller.js'
import { operationDepsOf } from '../lib/operation-deps-of.js'
import { upsertExternalUser } from '../operations/upsert-external-user.js'
import type { User } from '../store/types.js'

type Body = { email: string; slug: string; role?: string }

const timestamp = { type: 'string', format: 'date-time' } as const

/** A user as the internal API answers it: the public view plus the slug. */
export const internalUserSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'email', 'slug', 'role', 'disabled', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    email: { type: 'string' },
    slug: { type: ['string', 'null'] },
    role: { type: 'string' },
    disabled: { type: 'boolean' },
    created_at: timestamp,
    updated_at: timestamp,
  },
} as const

function view(user: User) {
  return {
    id: user.id,
    email: user.email,
    slug: user.slug,
    role: user.role,
    disabled: user.disabled,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  }
}

/**
 * `PUT /v1/internal/users/{id}` (the internal token alone; registered only when external auth is
 * on): the auth backend provisions its users under their own UUIDs. Idempotent upsert: `201`
 * when created, `200` otherwise; `email` and `slug` are required; `role` is optional and, when
 * not sent, never overwritten (a new user gets `user`). A new role revokes the user's API tokens
 * that carry a scope the role may not grant, as `PATCH /v1/users/{id}` does. Users created here
 * have no password: they cannot log in with one, only be acted for.
 *
 * No user is named, so `internalToken` cannot judge it: the route is behind a gate of its own
 * (`external.caller`, through `@keygate/fastify`, logged and counted like the API's) that checks
 * the internal token itself before the body is read: a missing one is `401
 * missing_credentials`, any other bearer `401 invalid_internal_token`.
 */
export function putInternalUserRoute(ctx: ServerContext, external: ExternalAuth): RouteOptions {
  return {
    method: 'PUT',
    url: '/v1/internal/users/:id',
    config: behind(
      createSideGate({ ...ctx.gateOptions, strategy: external.caller, scope: PROVISIONING_SCOPE }),
    ),
    schema: {
      summary: 'Provision a user from the external auth backend (idempotent upsert)',
      security: [{ internalToken: [] }],
      errors: ['invalid_internal_token', 'auth_unavailable'],
      tags: ['external-auth'],
      params: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: {
          id: {
            type: 'string',
            pattern:
              '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$',
            description: 'The user’s id in the auth backend: a UUID.',
          },
        },
      },
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'slug'],
        properties: {
          email: { type: 'string', minLength: 3, maxLength: 320 },
          slug: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
          role: { type: 'string', enum: [...ctx.policy.roles] },
        },
      },
      response: { 200: internalUserSchema, 201: internalUserSchema },
    },
    handler: async (request, reply) => {
      const body = request.body as Body
      const { user, created } = await upsertExternalUser(operationDepsOf(ctx, request), {
        id: (request.params as { id: string }).id,
        email: body.email,
        slug: body.slug,
        role: body.role,
        actor: ctx.config.externalAuth.actor,
      })
      return reply.code(created ? 201 : 200).send(view(user))
    },
  }
}
