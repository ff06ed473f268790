/** A minimal Server-Sent Events reader for the tests: frames as they arrive, over real HTTP. */
export type SSEFrame = { id?: string; event?: string; data?: string; comment?: string }

export type SSEStream = {
  readonly status: number
  readonly headers: Headers
  /** Every frame received so far (comments included). */
  readonly frames: SSEFrame[]
  /** Resolves with the first frame (from the start) that matches, within `timeoutMs`. */
  next(match: (frame: SSEFrame) => boolean, timeoutMs?: number): Promise<SSEFrame>
  close(): void
}

export async function openSSE(url: string, headers: Record<string, string>): Promise<SSEStream> {
  const controller = new AbortController()
  const response = await fetch(url, { headers, signal: controller.signal })
  const frames: SSEFrame[] = []
  const waiters: (() => void)[] = []
  if (response.ok && response.body !== null) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    void (async () => {
      let buffer = ''
      try {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) return
          buffer += value
          let end: number
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const frame: SSEFrame = {}
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) frame.comment = line.slice(1).trim()
              const colon = line.indexOf(':')
              const field = line.slice(0, colon)
              const value = line.slice(colon + 1).replace(/^ /, '')
              if (field === 'id' || field === 'event' || field === 'data') frame[field] = value
            }
            frames.push(frame)
            for (const wake of waiters.splice(0)) wake()
          }
        }
      } catch {
        // aborted
      }
    })()
  }
  return {
    status: response.status,
    headers: response.headers,
    frames,
    async next(match, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = frames.find(match)
        if (found !== undefined) return found
        const left = deadline - Date.now()
        if (left <= 0)
          throw new Error(`no matching SSE frame in ${timeoutMs} ms: ${JSON.stringify(frames)}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    },
    close: () => controller.abort(),
  }
}

/** The `data` of a `revocation` frame, parsed. */
export function eventData(frame: SSEFrame): Record<string, string> {
  return JSON.parse(frame.data ?? '{}') as Record<string, string>
}
