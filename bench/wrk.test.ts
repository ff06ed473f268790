import { describe, expect, it } from 'vitest'
import { parseWrk } from './wrk.js'

// wrk 4.1.0 (Debian) `--latency` reports, trimmed to what the parser reads.
const CLEAN = `Running 2s test @ http://127.0.0.1:40123/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   520.13us  100.00us   5.00ms   90.00%
    Req/Sec    95.00k     2.00k   98.00k    85.00%
  Latency Distribution
     50%  500.00us
     75%  550.00us
     90%  600.00us
     99%    1.20ms
  190123 requests in 2.00s, 30.00MB read
Requests/sec:  95061.50
Transfer/sec:     15.00MB
`

describe('parseWrk', () => {
  it('reads requests/s, p50 and p99 in ms, and the request count', () => {
    expect(parseWrk(CLEAN)).toEqual({
      rps: 95061.5,
      p50: 0.5,
      p99: 1.2,
      total: 190123,
      errors: 0,
      non2xx: 0,
    })
  })

  it('sums socket errors and reads non-2xx responses', () => {
    const failing = CLEAN.replace(
      'Requests/sec',
      '  Socket errors: connect 0, read 3, write 1, timeout 2\n  Non-2xx or 3xx responses: 17\nRequests/sec',
    ).replace('     99%    1.20ms', '     99%    2.00s')
    expect(parseWrk(failing)).toMatchObject({
      errors: 6,
      errorDetail: 'connect 0, read 3, write 1, timeout 2',
      non2xx: 17,
      p99: 2000,
    })
  })

  it('refuses a report without the latency distribution', () => {
    expect(() => parseWrk(CLEAN.replace(/ {2}Latency Distribution[\s\S]*?99%.*\n/, ''))).toThrow(
      'wrk: unexpected output (run with --latency?)',
    )
  })
})
