export { AUDIT_ACTIONS, type AuditAction } from './audit-actions.js'
export {
  createAuditRecorder,
  type Audit,
  type AuditInput,
  type AuditRecorderOptions,
} from './create-audit-recorder.js'
