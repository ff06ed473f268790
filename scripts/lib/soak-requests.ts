import { connect } from 'node:net'

/**
 * The requests of `npm run soak` (scripts/soak.ts) and how their answers are judged: a tally of
 * requests, wrong answers (never a 5xx; otherwise what the check says), transport errors and
 * latencies.
 */

/** What a request must get; `judge` is asked when the answer arrives (false: either is right). */
export type Check = {
  name: string
  ok: (status: number) => boolean
  judge: boolean | (() => boolean)
}

/** The soak's client: its tally and latencies, and the two ways it sends a request. */
export type SoakClient = ReturnType<typeof createSoakClient>

/** A client of the server at `base()` (read at each request: the URL is known once it listens). */
export function createSoakClient(base: () => string) {
  const tally = {
    requests: 0,
    wrong: 0,
    errors: 0,
    unjudged: 0,
    byName: new Map<string, { count: number; wrong: number; statuses: Map<number, number> }>(),
    wrongSamples: [] as string[],
  }
  const latencies: number[] = []

  function record(check: Check, status: number, ms: number): void {
    tally.requests++
    latencies.push(ms)
    let entry = tally.byName.get(check.name)
    if (entry === undefined) {
      entry = { count: 0, wrong: 0, statuses: new Map() }
      tally.byName.set(check.name, entry)
    }
    entry.count++
    entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1)
    // Never a 5xx, whatever was sent; otherwise what the request must get.
    const judged = typeof check.judge === 'function' ? check.judge() : check.judge
    const wrong = status >= 500 || (judged && !check.ok(status))
    if (!judged) tally.unjudged++
    if (wrong) {
      tally.wrong++
      entry.wrong++
      if (tally.wrongSamples.length < 20) tally.wrongSamples.push(`${check.name} → ${status}`)
    }
  }

  async function http(
    check: Check,
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: string } = {},
  ): Promise<Response | undefined> {
    const started = performance.now()
    try {
      const response = await fetch(`${base()}${path}`, { method, ...init })
      await response.arrayBuffer()
      record(check, response.status, performance.now() - started)
      return response
    } catch {
      tally.errors++
      return undefined
    }
  }

  /** Bytes that are not a valid request, over a raw socket: the answer must be a 4xx. */
  function raw(check: Check, bytes: string): Promise<void> {
    const { hostname, port } = new URL(base())
    const started = performance.now()
    return new Promise((resolve) => {
      const socket = connect({ host: hostname, port: Number(port) })
      let data = ''
      socket.setTimeout(10_000, () => socket.destroy())
      socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')))
      socket.on('error', () => {})
      socket.on('close', () => {
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1])
        if (Number.isFinite(status)) record(check, status, performance.now() - started)
        else tally.errors++
        resolve()
      })
      socket.write(bytes, 'latin1')
    })
  }

  return { tally, latencies, http, raw }
}
