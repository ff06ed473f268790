import type { RouteOptions } from 'fastify'
import { needs } from '../auth/register-auth.js'
import type { ServerContext } from '../context.js'
import { operationDepsOf } from '../lib/operation-deps-of.js'
import { PASSWORD_MAX, PASSWORD_MIN } from '../lib/passwords.js'
import { emailField, newPasswordField, userSchema } from '../lib/schemas.js'
import { userView } from '../lib/views.js'
import { createUser } from '../operations/create-user.js'

type Body = { email: string; password: string; role?: string }

/** `POST /v1/users` (`users:manage`): creates a user with a password; `201` with the user. */
export function createUserRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/users',
    config: needs('users:manage'),
    schema: {
      summary: 'Create a user',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'password'],
        properties: {
          email: emailField(),
          password: newPasswordField(PASSWORD_MIN, PASSWORD_MAX),
          role: { type: 'string', enum: [...ctx.policy.roles] },
        },
      },
      response: { 201: userSchema },
    },
    handler: async (request, reply) => {
      const body = request.body as Body
      const deps = operationDepsOf(ctx, request)
      const user = await createUser({
        users: ctx.store.users,
        email: body.email,
        password: body.password,
        role: body.role ?? 'user',
        roles: ctx.policy.roles,
        audit: deps.audit,
        log: deps.log,
      })
      return reply.code(201).send(userView(user))
    },
  }
}
