import { describeError, type Logger } from '@keygate/core'
import type { Revocation, RevocationListener } from '../revocation-bus.js'

/** A bus's listeners, and the three events it emits to them (a throwing listener is logged). */
export function createListeners(logger: Logger) {
  const listeners = new Set<{ listener: RevocationListener }>()
  function each(run: (listener: RevocationListener) => void): void {
    for (const { listener } of listeners) {
      try {
        run(listener)
      } catch (error) {
        logger.warn(describeError(error), 'keygate: a revocation listener threw')
      }
    }
  }
  return {
    add(listener: RevocationListener): () => void {
      // A wrapper per call: the same object subscribed twice is two subscriptions.
      const entry = { listener }
      listeners.add(entry)
      return () => {
        listeners.delete(entry)
      }
    },
    revoked: (revocation: Revocation) => each((l) => l.revoked?.(revocation)),
    connected: () => each((l) => l.connected?.()),
    disconnected: () => each((l) => l.disconnected?.()),
    clear: () => listeners.clear(),
  }
}
