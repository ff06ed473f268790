import { connect } from 'node:net'

/** A parsed HTTP/1.1 answer from {@link rawRequest}. */
export type RawResponse = {
  status: number
  /** Header names lower-case; repeated headers joined with `, `. */
  headers: Record<string, string>
  body: string
  json(): unknown
}

/**
 * Sends one HTTP/1.1 request written by hand, header lines exactly as given, over a raw TCP
 * socket. `fetch` refuses (or merges) the malformed and duplicated headers the conformance suite
 * needs to send; this does not.
 *
 * @example
 * ```ts
 * await rawRequest(url, 'GET', '/private', ['Authorization: Bearer a', 'Authorization: Bearer b'])
 * ```
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headerLines: readonly string[] = [],
): Promise<RawResponse> {
  const url = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) })
    const chunks: Buffer[] = []
    socket.setTimeout(10_000, () => socket.destroy(new Error('rawRequest timed out')))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      try {
        resolve(parse(Buffer.concat(chunks)))
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    })
    const head = [
      `${method} ${path} HTTP/1.1`,
      `Host: ${url.host}`,
      'Connection: close',
      ...headerLines,
    ]
    // write, not end: a half-closed socket may make a server drop an answer it has not sent yet.
    // `Connection: close` has the server close the connection after answering.
    socket.write(Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'))
  })
}

function parse(raw: Buffer): RawResponse {
  const text = raw.toString('latin1')
  const end = text.indexOf('\r\n\r\n')
  if (end === -1) throw new Error(`incomplete HTTP response: ${JSON.stringify(text.slice(0, 200))}`)
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1])
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
  }
  let bodyBytes = raw.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'))
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') bodyBytes = dechunk(bodyBytes)
  const body = bodyBytes.toString('utf8')
  return { status, headers, body, json: () => JSON.parse(body) as unknown }
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = []
  let offset = 0
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset)
    if (lineEnd === -1) break
    const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16)
    if (!Number.isFinite(size) || size === 0) break
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size))
    offset = lineEnd + 2 + size + 2
  }
  return Buffer.concat(parts)
}
