/**
 * Counting on the request path without prom-client's per-call label hashing (about 0.5 µs a
 * call, measured in docs/benchmarks.md): plain maps and arrays that the metrics copy into the
 * Prometheus exposition when scraped. Label values are bounded by their callers.
 */

/** Counts by a triple of label values. */
export type Tally3 = {
  add(a: string, b: string, c: string): void
  /** Every triple counted so far, with its count. */
  entries(): Iterable<readonly [string, string, string, number]>
}

export function tally3(): Tally3 {
  const counts = new Map<string, Map<string, Map<string, { n: number }>>>()
  return {
    add(a, b, c) {
      let byB = counts.get(a)
      if (byB === undefined) counts.set(a, (byB = new Map<string, Map<string, { n: number }>>()))
      let byC = byB.get(b)
      if (byC === undefined) byB.set(b, (byC = new Map<string, { n: number }>()))
      const cell = byC.get(c)
      if (cell === undefined) byC.set(c, { n: 1 })
      else cell.n++
    },
    *entries() {
      for (const [a, byB] of counts)
        for (const [b, byC] of byB) for (const [c, cell] of byC) yield [a, b, c, cell.n] as const
    },
  }
}

/** A Prometheus histogram's state: counts per bucket (not cumulative), sum and count. */
export type Buckets = {
  readonly bounds: readonly number[]
  observe(value: number): void
  /** Cumulative counts per upper bound, `+Inf` last, with the sum and the count. */
  snapshot(): { cumulative: number[]; sum: number; count: number }
  reset(): void
}

export function buckets(bounds: readonly number[]): Buckets {
  const sorted = [...bounds].sort((x, y) => x - y)
  let counts = new Float64Array(sorted.length + 1)
  let sum = 0
  let count = 0
  return {
    bounds: sorted,
    observe(value) {
      // `le` semantics: a value equal to a bound belongs to that bound's bucket.
      let i = 0
      while (i < sorted.length && value > sorted[i]!) i++
      counts[i]!++
      sum += value
      count++
    },
    snapshot() {
      const cumulative: number[] = []
      let running = 0
      for (const n of counts) cumulative.push((running += n))
      return { cumulative, sum, count }
    },
    reset() {
      counts = new Float64Array(sorted.length + 1)
      sum = 0
      count = 0
    },
  }
}

type HistogramValue = { value: number; labels: { le?: string | number }; metricName: string }

/**
 * A Prometheus histogram over {@link buckets}, shaped as prom-client's registry reads a metric
 * (`name`, `help`, `type`, `aggregator`, `get()`, `reset()`): its exposition is the one a
 * prom-client `Histogram` with the same bounds writes, without that class's label hashing on
 * every observation. Register it with `registry.registerMetric()`.
 */
export class BucketHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly #buckets: Buckets

  constructor(
    readonly name: string,
    readonly help: string,
    bounds: readonly number[],
  ) {
    this.#buckets = buckets(bounds)
  }

  observe(value: number): void {
    this.#buckets.observe(value)
  }

  reset(): void {
    this.#buckets.reset()
  }

  get(): Promise<{
    name: string
    help: string
    type: 'histogram'
    aggregator: 'sum'
    values: HistogramValue[]
  }> {
    const { cumulative, sum, count } = this.#buckets.snapshot()
    const bucket = `${this.name}_bucket`
    const values: HistogramValue[] = this.#buckets.bounds.map((le, i) => ({
      value: cumulative[i]!,
      labels: { le },
      metricName: bucket,
    }))
    values.push({ value: count, labels: { le: '+Inf' }, metricName: bucket })
    values.push({ value: sum, labels: {}, metricName: `${this.name}_sum` })
    values.push({ value: count, labels: {}, metricName: `${this.name}_count` })
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    })
  }
}
