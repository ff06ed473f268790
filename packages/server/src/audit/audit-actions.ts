/**
 * Every action the audit log records (docs/audit-log.md). `GET /v1/audit?action=` accepts these
 * and nothing else; add new ones here.
 */
export const AUDIT_ACTIONS = [
  'token.created',
  'token.rotated',
  'token.revoked',
  'login.succeeded',
  'login.failed',
  'user.created',
  'user.changed',
  'setup.completed',
] as const

export type AuditAction = (typeof AUDIT_ACTIONS)[number]
