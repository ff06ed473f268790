import { createAuditRecorder, type Audit, type Store } from '@keygate/server'
import type { IO } from './io.js'

/**
 * The audit log as the CLI writes it: actor `system`, `details.via: "cli"` (docs/audit-log.md).
 * A failed write is a warning on stderr; the change it describes stands.
 */
export function cliAudit(store: Store, io: IO): Audit {
  const record = createAuditRecorder({
    store: store.audit,
    now: () => new Date(),
    log: {
      warn: (_object: unknown, message?: string) => {
        io.stderr.write(`keygate: warning: audit log: ${message ?? 'write failed'}\n`)
      },
    },
  })
  return (input) =>
    record({
      ...input,
      actor: { kind: 'system', id: null },
      details: { ...input.details, via: 'cli' },
    })
}
