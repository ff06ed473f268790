/**
 * The load generator of the HTTP benches, chosen once per run: wrk pinned to CPU 1 with the
 * server pinned to CPU 0 (the method of issue 14), or autocannon in the bench's own process
 * with nothing pinned when wrk or a second core is missing.
 */
import { availableParallelism } from 'node:os'
import { measure, type Measurement } from './lib.js'
import { canPin, ensureWrk, runWrk } from './wrk.js'

export type LoadGenerator = {
  /** `wrk` or `autocannon`. */
  name: 'wrk' | 'autocannon'
  /** One line saying how load is generated and where the server runs (printed by the benches). */
  method: string
  /** The CPU to pin each server process to (`startServer(…, { cpu })`), if any. */
  serverCpu?: number
  measure(
    url: string,
    headers: Record<string, string>,
    options: { duration: number; connections: number },
  ): Promise<Measurement>
}

const SERVER_CPU = 0
const LOAD_CPU = 1

/**
 * Picks the load generator: wrk (installed from Debian when missing and possible) when it runs
 * and CPUs 0 and 1 can be pinned; otherwise autocannon, with the reason in `method`.
 * `prefer: 'autocannon'` (the benches' `--load autocannon`) forces the fallback.
 */
export function chooseLoadGenerator(prefer?: string): LoadGenerator {
  let reason: string | undefined
  if (prefer === 'autocannon') reason = '--load autocannon'
  else if (availableParallelism() < 2) reason = 'only one CPU'
  else if (!canPin(SERVER_CPU) || !canPin(LOAD_CPU)) reason = 'taskset cannot pin CPUs 0 and 1'
  else reason = ensureWrk()
  if (reason === undefined) {
    return {
      name: 'wrk',
      method: `wrk -t1 pinned to CPU ${LOAD_CPU} (taskset -c ${LOAD_CPU}), each server pinned to CPU ${SERVER_CPU}`,
      serverCpu: SERVER_CPU,
      measure: (url, headers, options) => runWrk(url, headers, { ...options, cpu: LOAD_CPU }),
    }
  }
  return {
    name: 'autocannon',
    method: `autocannon in the bench process, nothing pinned (fallback: ${reason}); ratios are less stable`,
    measure,
  }
}
