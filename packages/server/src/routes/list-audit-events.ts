import type { RouteOptions } from 'fastify'
import { needs } from '../auth/register-auth.js'
import { AUDIT_ACTIONS } from '../audit/audit-actions.js'
import type { ServerContext } from '../context.js'
import { invalidField } from '../lib/errors.js'
import { pageQuery, pageSchema } from '../lib/schemas.js'
import type { AuditEvent } from '../store/types.js'

type Query = {
  cursor?: string
  limit?: number
  user_id?: string
  actor_id?: string
  action?: string
  since?: string
  until?: string
}

const nullableString = { type: ['string', 'null'] } as const

/** An audit event as the API answers it. */
export const auditEventSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'at',
    'action',
    'actor',
    'user_id',
    'token_id',
    'client_ip',
    'request_id',
    'details',
  ],
  properties: {
    id: { type: 'string', format: 'uuid', description: 'Time-ordered (UUID v7).' },
    at: { type: 'string', format: 'date-time' },
    action: { type: 'string', enum: [...AUDIT_ACTIONS] },
    actor: {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'id'],
      description: 'Who did it.',
      properties: {
        kind: { type: 'string', enum: ['user', 'service', 'system', 'anonymous'] },
        id: { ...nullableString, description: 'User id or service name.' },
      },
    },
    user_id: { ...nullableString, description: 'The user the event is about.' },
    token_id: { ...nullableString, description: 'Public id of the token concerned.' },
    client_ip: nullableString,
    request_id: nullableString,
    details: {
      type: 'object',
      additionalProperties: true,
      description: 'Non-secret facts about the event (docs/audit-log.md).',
    },
  },
} as const

function view(event: AuditEvent) {
  return {
    id: event.id,
    at: event.at.toISOString(),
    action: event.action,
    actor: { kind: event.actor.kind, id: event.actor.id },
    user_id: event.userId,
    token_id: event.tokenId,
    client_ip: event.clientIp,
    request_id: event.requestId,
    details: event.details,
  }
}

/**
 * `GET /v1/audit` (`audit:read`): audit events, newest first, cursor pagination, filtered by
 * `user_id` (the user an event is about), `actor_id`, `action`, `since` (inclusive) and `until`
 * (exclusive), RFC 3339 times with an offset.
 */
export function listAuditEventsRoute(ctx: ServerContext): RouteOptions {
  return {
    method: 'GET',
    url: '/v1/audit',
    config: needs('audit:read'),
    schema: {
      summary: 'List audit events',
      tags: ['audit'],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...pageQuery,
          user_id: { type: 'string', format: 'uuid' },
          actor_id: { type: 'string', minLength: 1, maxLength: 128 },
          action: { type: 'string', enum: [...AUDIT_ACTIONS] },
          since: { type: 'string', format: 'date-time', maxLength: 64 },
          until: { type: 'string', format: 'date-time', maxLength: 64 },
        },
      },
      response: { 200: pageSchema(auditEventSchema) },
    },
    handler: async (request) => {
      const query = request.query as Query
      const since = query.since === undefined ? undefined : new Date(query.since)
      const until = query.until === undefined ? undefined : new Date(query.until)
      if (since !== undefined && until !== undefined && since > until) {
        throw invalidField('/until', 'must not be before since', 'The query string is invalid')
      }
      const page = await ctx.store.audit.list({
        cursor: query.cursor,
        limit: query.limit,
        userId: query.user_id,
        actorId: query.actor_id,
        action: query.action,
        since,
        until,
      })
      return { items: page.items.map(view), next_cursor: page.nextCursor ?? null }
    },
  }
}
