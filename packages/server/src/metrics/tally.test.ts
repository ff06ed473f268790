import { Histogram, Registry, type Metric } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { BucketHistogram, tally3 } from './tally.js'

describe('BucketHistogram', () => {
  it('writes the exposition prom-client writes for the same observations', async () => {
    const bounds = [0.00005, 0.0001, 0.001, 0.01, 0.1, 1, 2.5]
    const theirs = new Registry()
    const reference = new Histogram({
      name: 'h_seconds',
      help: 'Help.',
      buckets: bounds,
      registers: [theirs],
    })
    const ours = new Registry()
    const histogram = new BucketHistogram('h_seconds', 'Help.', bounds)
    ours.registerMetric(histogram as unknown as Metric)
    // Before any observation: zeros, as a fresh unlabelled prom-client histogram writes.
    expect(await ours.metrics()).toBe(await theirs.metrics())
    // Bounds themselves (le is inclusive), values between, beyond the last, zero.
    const values = [...bounds, 0, 0.00007, 0.5, 3, 1e-9, 0.01, 7, 0.0999]
    for (const v of values) {
      reference.observe(v)
      histogram.observe(v)
    }
    expect(await ours.metrics()).toBe(await theirs.metrics())
  })
})

describe('tally3', () => {
  it('counts each triple apart', () => {
    const t = tally3()
    t.add('a', 'allow', 'none')
    t.add('a', 'allow', 'none')
    t.add('a', 'deny', 'invalid_token')
    t.add('b', 'allow', 'none')
    expect([...t.entries()]).toEqual([
      ['a', 'allow', 'none', 2],
      ['a', 'deny', 'invalid_token', 1],
      ['b', 'allow', 'none', 1],
    ])
  })
})
