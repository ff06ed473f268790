import { describeError, silentLogger, type Logger } from '@keygate/core'
import type { Revocation, RevocationBus } from './revocation-bus.js'

/** What {@link connectRevocations} drives: the `apiTokens` strategy's cache hooks. */
export type RevocationTarget = {
  invalidate(tokenId: string): void
  invalidateAll(): void
}

/** Options of {@link connectRevocations}. */
export type ConnectRevocationsOptions = {
  bus: RevocationBus
  /** The verification cache to keep in step (the server's `apiTokens` strategy). */
  target: RevocationTarget
  /**
   * While the bus is down, the whole cache is dropped this often (ms), so that a revocation on
   * another instance still takes effect within this bound. Also how often unsent revocations are
   * retried. Default 500.
   */
  degradedFlushMs?: number
  /** Most unsent revocations kept for a retry (the oldest go first). Default 1000. */
  maxPending?: number
  logger?: Logger
}

/** The running connection: broadcast this instance's revocations; `close()` stops it. */
export type RevocationLink = {
  /** Resolves once the bus is subscribed (`true`) or has failed its first attempt (`false`). */
  readonly started: Promise<boolean>
  /** Sends a revocation to the other instances; never throws (a failure is retried). */
  broadcast(revocation: Revocation): void
  /** Stops the timers and closes the bus. */
  close(): Promise<void>
}

/**
 * Keeps this instance's verification cache in step with revocations made elsewhere (SPEC §5):
 *
 * - a `token` revocation from another instance drops that token; a `user` or `all` one drops
 *   the whole cache (the cache has no index by user);
 * - on every (re)connection the whole cache is dropped: messages sent meanwhile were missed;
 * - while the bus is down (and until it first connects) the whole cache is dropped every
 *   `degradedFlushMs`, so the bound still holds, at the price of more store lookups;
 * - a revocation this instance could not send is kept and retried every `degradedFlushMs`.
 *
 * @throws TypeError for a bad option.
 * @example
 * ```ts
 * const link = connectRevocations({ bus, target: strategy, logger })
 * await link.started
 * // after revoking a token in the store:
 * strategy.invalidate(tokenId)
 * link.broadcast({ kind: 'token', tokenId })
 * ```
 */
export function connectRevocations(options: ConnectRevocationsOptions): RevocationLink {
  const { bus, target } = options
  if (bus === null || typeof bus !== 'object' || typeof bus.publish !== 'function') {
    throw new TypeError('connectRevocations(): bus must be a RevocationBus')
  }
  if (
    target === null ||
    typeof target !== 'object' ||
    typeof target.invalidate !== 'function' ||
    typeof target.invalidateAll !== 'function'
  ) {
    throw new TypeError('connectRevocations(): target must have invalidate and invalidateAll')
  }
  const degradedFlushMs = options.degradedFlushMs ?? 500
  const maxPending = options.maxPending ?? 1000
  for (const [name, value] of [
    ['degradedFlushMs', degradedFlushMs],
    ['maxPending', maxPending],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new TypeError(`connectRevocations(): ${name} must be a positive integer`)
    }
  }
  const logger = options.logger ?? silentLogger
  const pending: Revocation[] = []
  let flushing: NodeJS.Timeout | undefined
  let retrying: NodeJS.Timeout | undefined
  let sendFailed = false
  let closed = false

  function startFlushing(): void {
    if (flushing !== undefined || closed) return
    flushing = setInterval(() => target.invalidateAll(), degradedFlushMs)
    flushing.unref()
  }
  function stopFlushing(): void {
    clearInterval(flushing)
    flushing = undefined
  }

  function send(revocation: Revocation): void {
    bus.publish(revocation).then(
      () => {
        if (sendFailed && pending.length === 0) {
          sendFailed = false
          logger.info?.({ bus: bus.kind }, 'keygate: revocations are broadcast again')
        }
      },
      (error: unknown) => {
        if (closed) return
        if (!sendFailed) {
          sendFailed = true
          logger.warn(
            { bus: bus.kind, ...describeError(error) },
            'keygate: a revocation could not be broadcast; retrying',
          )
        }
        pending.push(revocation)
        if (pending.length > maxPending) pending.shift()
        scheduleRetry()
      },
    )
  }
  function scheduleRetry(): void {
    if (retrying !== undefined || closed) return
    retrying = setTimeout(() => {
      retrying = undefined
      for (const revocation of pending.splice(0)) send(revocation)
    }, degradedFlushMs)
    retrying.unref()
  }

  const unsubscribe = bus.subscribe({
    revoked(revocation) {
      if (revocation.kind === 'token') target.invalidate(revocation.tokenId)
      else target.invalidateAll()
    },
    connected() {
      stopFlushing()
      target.invalidateAll()
      logger.info?.({ bus: bus.kind }, 'keygate: revocation bus connected')
    },
    disconnected() {
      target.invalidateAll()
      startFlushing()
      logger.warn(
        { bus: bus.kind, flushEveryMs: degradedFlushMs },
        'keygate: revocation bus lost; dropping the token cache periodically until it is back',
      )
    },
  })
  // Until the first subscription, revocations elsewhere cannot reach this instance either.
  if (!bus.connected) startFlushing()

  return {
    started: bus.start(),
    broadcast(revocation) {
      if (!closed) send(revocation)
    },
    async close() {
      closed = true
      stopFlushing()
      clearTimeout(retrying)
      unsubscribe()
      await bus.close()
    },
  }
}
