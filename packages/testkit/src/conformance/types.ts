import type { AuthenticatorOptions } from '@keygate/core'

/** A running app under test. */
export type ConformanceApp = { url: string; close(): Promise<void> }

/** What the suite asks an adapter to start. */
export type ConformanceAppOptions = {
  /** Pass as is to the adapter (it creates the core authenticator from them). */
  auth: AuthenticatorOptions
  /** The app's own error handler must call this with any error a route throws, then answer 500. */
  onAppError: (error: unknown) => void
  /**
   * `GET /private` answers `hopped: hopped()` beside the principal: whether a microtask queued
   * when keygate decided had run by the time the handler ran — a promise hop between the gate
   * and the handler, which a fresh cache must not cause.
   */
  hopped: () => boolean
}

/** Options of {@link runAdapterConformance}. */
export type AdapterConformanceOptions = {
  /** Shown in the suite's name. */
  name: string
  /**
   * Starts an app on 127.0.0.1, port 0, with the keygate gate applied to every route (unknown
   * routes included) and these routes:
   * - `GET /health` → `200 {"status":"ok"}`
   * - `GET /private` → `200 {"principal": <attached principal or null>, "hopped": hopped()}`
   * - `GET /scoped` → the adapter's `requireScopes('things:read')`, then as `/private`
   * - `GET /boom` → the handler throws `new Error('boom')`
   */
  start(options: ConformanceAppOptions): Promise<ConformanceApp>
}
