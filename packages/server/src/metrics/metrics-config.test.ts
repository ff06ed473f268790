import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../config.js'

describe('metrics, logFormat and apiDocs configuration', () => {
  it('defaults: metrics open with process metrics, auto log format, docs on', () => {
    const config = resolveConfig({})
    expect(config.metrics).toEqual({
      enabled: true,
      protect: 'open',
      serviceToken: { env: 'KEYGATE_METRICS_TOKEN' },
      processMetrics: true,
    })
    expect(config.logFormat).toBe('auto')
    expect(config.apiDocs).toBe(true)
  })

  it('accepts a protected scrape from an environment variable or a file', () => {
    expect(
      resolveConfig({ metrics: { protect: 'service-token', serviceToken: { file: '/run/m' } } })
        .metrics,
    ).toMatchObject({ protect: 'service-token', serviceToken: { file: '/run/m' } })
    expect(
      resolveConfig({ metrics: { serviceToken: { env: 'SCRAPE_TOKEN' } } }).metrics.serviceToken,
    ).toEqual({ env: 'SCRAPE_TOKEN' })
  })

  it('names every bad key', () => {
    const cases: [unknown, string][] = [
      [{ metrics: { protect: 'basic' } }, 'metrics.protect must be open or service-token'],
      [{ metrics: { enabled: 'yes' } }, 'metrics.enabled must be a boolean'],
      [{ metrics: { processMetrics: 1 } }, 'metrics.processMetrics must be a boolean'],
      [{ metrics: { port: 9100 } }, 'metrics.port is not a known option'],
      [
        { metrics: { serviceToken: { env: 'A', file: '/b' } } },
        'metrics.serviceToken must be { env: NAME } or { file: PATH }',
      ],
      [
        { metrics: { serviceToken: { env: 'not a name' } } },
        'metrics.serviceToken.env must be an environment variable name',
      ],
      [
        { metrics: { serviceToken: { file: '' } } },
        'metrics.serviceToken.file must be a non-empty',
      ],
      [{ logFormat: 'xml' }, 'logFormat must be one of json, pretty, auto'],
      [{ apiDocs: 'no' }, 'apiDocs must be a boolean'],
    ]
    for (const [input, message] of cases) {
      expect(() => resolveConfig(input as never)).toThrow(`keygate config: ${message}`)
    }
  })
})
