import { afterAll, describe, expect } from 'vitest'
import { conformanceContext } from './conformance/context.js'
import { gatewayAssertionCases } from './conformance/gateway-assertion-cases.js'
import { hotPathCases } from './conformance/hot-path-cases.js'
import { modeCases } from './conformance/mode-cases.js'
import { onBehalfOfCases } from './conformance/on-behalf-of-cases.js'
import { serviceTokenCases } from './conformance/service-token-cases.js'
import type { AdapterConformanceOptions } from './conformance/types.js'

export type {
  AdapterConformanceOptions,
  ConformanceApp,
  ConformanceAppOptions,
} from './conformance/types.js'

/**
 * The shared suite every keygate adapter runs (RFC 6750 and SPEC §2, §3, §7): registers Vitest
 * tests in the calling file.
 *
 * @example
 * ```ts
 * runAdapterConformance({ name: 'node', start: async ({ auth, onAppError }) => startNodeApp(auth, onAppError) })
 * ```
 */
export function runAdapterConformance(options: AdapterConformanceOptions): void {
  const k = conformanceContext(options)
  const { apps, seen, forbidden } = k
  describe(`keygate adapter conformance: ${options.name}`, () => {
    afterAll(async () => {
      await Promise.all(apps.map((app) => app.close()))
      // No secret, presented or configured, in any log line, decision or response.
      const all = seen.join('\n')
      for (const value of forbidden) expect(all.includes(value), 'a secret leaked').toBe(false)
    })

    serviceTokenCases(k)
    gatewayAssertionCases(k)
    onBehalfOfCases(k)
    modeCases(k)
    hotPathCases(k)
  })
}
