/** One Server-Sent Event (WHATWG HTML §9.2.6): `event` defaults to `message`. */
export type ServerSentEvent = {
  readonly id?: string
  readonly event: string
  readonly data: string
}

/**
 * Reads a `text/event-stream` body event by event (WHATWG HTML §9.2.6, enough of it for the
 * token service's stream): `id`, `event` and `data` fields; comments (heartbeats) and `retry`
 * call `onActivity` only. Resolves when the body ends; rejects when reading fails.
 */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: ServerSentEvent) => void,
  onActivity: () => void,
): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let id: string | undefined
  let event = ''
  let data: string[] = []
  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0 || event !== '') {
        onEvent({
          ...(id === undefined ? {} : { id }),
          event: event || 'message',
          data: data.join('\n'),
        })
      }
      id = undefined
      event = ''
      data = []
      return
    }
    if (text.startsWith(':')) return
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'id' && !value.includes('\0')) id = value
    else if (field === 'event') event = value
    else if (field === 'data') data.push(value)
  }
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    onActivity()
    buffer += decoder.decode(value, { stream: true })
    let end: number
    while ((end = buffer.search(/\r\n|\r|\n/)) !== -1) {
      const newline = buffer.startsWith('\r\n', end) ? 2 : 1
      line(buffer.slice(0, end))
      buffer = buffer.slice(end + newline)
    }
  }
}
