import type { Store } from '@keygate/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditStoreCases } from './store-cases/audit.js'
import { sessionStoreCases } from './store-cases/sessions.js'
import { setupStoreCases } from './store-cases/setup.js'
import { signingKeyStoreCases } from './store-cases/signing-keys.js'
import { tokenStoreCases } from './store-cases/tokens.js'
import { userStoreCases } from './store-cases/users.js'

/** Options of {@link runStoreConformance}. */
export type StoreConformanceOptions = {
  /** Shown in the suite's name. */
  name: string
  /** Opens a fresh, empty store of its own (its own file, schema or key prefix). */
  open: () => Promise<Store>
  /** Removes what `open` created, after the store is closed (the file, the schema, …). */
  cleanup?: () => Promise<void>
}

/**
 * The shared suite every token-service store runs (STYLE: storage contract with a shared
 * conformance suite): registers Vitest tests for every part of the `Store` contract — users,
 * tokens (uniqueness, concurrency, pagination, rotation grace, batched last-used writes), the
 * audit log, sessions, signing keys and the setup code — against the store `open` returns.
 *
 * @example
 * ```ts
 * runStoreConformance({ name: 'sqlite', open: () => openStore({ url: `sqlite:${file}` }), cleanup })
 * ```
 */
export function runStoreConformance(options: StoreConformanceOptions): void {
  describe(`keygate store conformance: ${options.name}`, () => {
    let store: Store

    beforeAll(async () => {
      store = await options.open()
      await store.migrate()
    })

    afterAll(async () => {
      await store?.close()
      await options.cleanup?.()
    })

    describe('store', () => {
      it('answers ping and reports its dialect', async () => {
        await expect(store.ping()).resolves.toBeUndefined()
        expect(['sqlite', 'postgres']).toContain(store.dialect)
      })

      it('migrate() again applies nothing', async () => {
        expect(await store.migrate()).toEqual({ applied: [] })
      })
    })

    userStoreCases(() => store)
    auditStoreCases(() => store)
    tokenStoreCases(() => store)
    sessionStoreCases(() => store)
    signingKeyStoreCases(() => store)
    setupStoreCases(() => store)
  })
}
