declare module 'autocannon' {
  type Options = {
    url: string
    headers?: Record<string, string>
    duration?: number
    connections?: number
    pipelining?: number
    method?: string
    body?: string
  }
  type Histogram = {
    average: number
    p50: number
    p99: number
    total: number
    [key: string]: number
  }
  type Result = {
    requests: Histogram
    latency: Histogram
    errors: number
    non2xx: number
    timeouts: number
  }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
