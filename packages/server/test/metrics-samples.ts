/** Reading a Prometheus scrape in the metrics suites. */

/** The samples of a scrape whose name starts with `prefix`, keyed `name{label="v",…}` (labels sorted). */
export function samples(text: string, prefix: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(prefix)) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null) throw new Error(`unparsable sample: ${line}`)
    const labels = (match[2] ?? '')
      .split(/,(?=[a-zA-Z_]+=)/)
      .filter((l) => l !== '')
      .sort()
      .join(',')
    out[labels === '' ? match[1]! : `${match[1]}{${labels}}`] = Number(match[3])
  }
  return out
}
