/**
 * The middleware bench's table: per variant, medians of its runs and medians of per-round
 * ratios to the same round's no-auth run, with a verdict against the targets of issue 14
 * (throughput ratio, not below the peer, p99 within 1.25 ×, peak RSS within +15 MB).
 */
import { median, table, type Measurement } from './lib.js'

/** One measured run of one variant in one round. */
export type Run = Measurement & { cpuPerRequest: number; rss: number | undefined }

export type VariantSpec = {
  /** The server's variant argument (`servers/<framework>.ts <id>`). */
  id: string
  label: string
  /** Minimum ratio to the no-auth route; keygate's rows have one, baselines and peers do not. */
  target?: number
  /** The id of the variant this one must not be slower than. */
  peer?: string
}

/** The bounds beside the throughput ratio. */
export const P99_BOUND = 1.25
export const RSS_BOUND_MB = 15

/** Median over the rounds of `f(this round's run, the other variant's run of that round)`. */
function perRound(runs: Run[], others: Run[] | undefined, f: (a: Run, b: Run) => number) {
  if (others === undefined) return undefined
  const values = runs.flatMap((run, i) => (others[i] === undefined ? [] : [f(run, others[i])]))
  return values.length === 0 || values.some(Number.isNaN) ? undefined : median(values)
}

const fixed = (value: number | undefined, digits: number) =>
  value === undefined ? '' : value.toFixed(digits)

export type Summary = {
  rps: number
  p99: number
  rss: number | undefined
  cpu: number
  ratio: number | undefined
  /** The lowest and highest per-round ratio. */
  spread: [number, number] | undefined
  p99Ratio: number | undefined
  rssDelta: number | undefined
  vsPeer: number | undefined
  verdict: string
}

/** The numbers of one variant against its framework's no-auth runs (and its peer's). */
export function summarize(spec: VariantSpec, runs: Run[], byId: Record<string, Run[]>): Summary {
  const none = spec.id === 'none' ? undefined : byId.none
  const rss = runs.map((r) => r.rss)
  const ratios = none === undefined ? [] : runs.map((r, i) => r.rps / none[i]!.rps)
  const summary: Summary = {
    rps: median(runs.map((r) => r.rps)),
    p99: median(runs.map((r) => r.p99)),
    rss: rss.includes(undefined) ? undefined : median(rss as number[]),
    cpu: median(runs.map((r) => r.cpuPerRequest)),
    ratio: perRound(runs, none, (a, b) => a.rps / b.rps),
    spread: ratios.length === 0 ? undefined : [Math.min(...ratios), Math.max(...ratios)],
    p99Ratio: perRound(runs, none, (a, b) => a.p99 / b.p99),
    rssDelta: perRound(runs, none, (a, b) => (a.rss ?? NaN) - (b.rss ?? NaN)),
    vsPeer:
      spec.peer === undefined
        ? undefined
        : perRound(runs, byId[spec.peer], (a, b) => a.rps / b.rps),
    verdict: '',
  }
  if (spec.target !== undefined) {
    const misses: string[] = []
    if (summary.ratio === undefined || summary.ratio < spec.target)
      misses.push(`ratio < ${spec.target}`)
    if (summary.vsPeer !== undefined && summary.vsPeer < 1) misses.push('below peer')
    if (summary.p99Ratio === undefined || summary.p99Ratio > P99_BOUND)
      misses.push(`p99 > ${P99_BOUND}×`)
    if (summary.rssDelta === undefined || summary.rssDelta > RSS_BOUND_MB)
      misses.push(`RSS > +${RSS_BOUND_MB} MB`)
    summary.verdict = misses.length === 0 ? 'met' : `not met: ${misses.join(', ')}`
  }
  return summary
}

/** The printed table and its legend. */
export function report(
  plan: Record<string, VariantSpec[]>,
  results: Record<string, Record<string, Run[]>>,
): string {
  const rows = [
    [
      'framework',
      'variant',
      'req/s',
      'p99 ms',
      'RSS MB',
      'CPU µs/req',
      'ratio',
      'min–max',
      'p99 ×',
      'RSS +MB',
      'vs peer',
      'target',
      'verdict',
    ],
  ]
  for (const [fw, specs] of Object.entries(plan)) {
    const byId = results[fw] ?? {}
    for (const spec of specs) {
      const runs = byId[spec.id]
      if (runs === undefined) continue
      const s = summarize(spec, runs, byId)
      rows.push([
        fw,
        spec.label,
        s.rps.toFixed(0),
        s.p99.toFixed(2),
        fixed(s.rss, 1),
        s.cpu.toFixed(2),
        fixed(s.ratio, 3),
        s.spread === undefined ? '' : `${s.spread[0].toFixed(2)}–${s.spread[1].toFixed(2)}`,
        fixed(s.p99Ratio, 2),
        s.rssDelta === undefined ? '' : `${s.rssDelta >= 0 ? '+' : ''}${s.rssDelta.toFixed(1)}`,
        fixed(s.vsPeer, 3),
        spec.target === undefined
          ? ''
          : `≥ ${spec.target}${spec.peer === undefined ? '' : ', ≥ peer'}`,
        s.verdict,
      ])
    }
  }
  return [
    table(rows, [0, 1, 11, 12]),
    '',
    'req/s, p99, RSS (peak, VmHWM) and CPU µs/req (server CPU time ÷ requests): medians of the rounds.',
    "ratio = median of per-round ratios, this variant's req/s ÷ the same round's no-auth req/s (min–max: the rounds' extremes);",
    "p99 × = the same for p99 latency; RSS +MB = median of per-round differences in peak RSS; vs peer = per-round req/s ÷ the peer's.",
    `verdict: met when ratio ≥ target, vs peer ≥ 1 (where a peer is named), p99 × ≤ ${P99_BOUND} and RSS +MB ≤ ${RSS_BOUND_MB} (issue 14).`,
  ].join('\n')
}
