/** Helpers of the session suites: log in over HTTP, read and send the session cookie. */
import { request as httpRequest } from 'node:http'
import { expect } from 'vitest'
import { PASSWORD, type Harness } from './harness.js'

export const COOKIE = '__Host-keygate_session'

export type Login = {
  status: number
  body: {
    id: string
    user_id: string
    token?: string
    token_type?: string
    scopes: string[]
    expires_at: string
  }
  /** The `Set-Cookie` line, when there is one. */
  setCookie: string | undefined
  response: Response
}

/** `POST /v1/auth/sessions`. */
export async function login(
  h: Harness,
  email: string,
  options: { cookie?: boolean; headers?: Record<string, string>; password?: string } = {},
): Promise<Login> {
  const response = await h.request('POST', '/v1/auth/sessions', {
    body: {
      email,
      password: options.password ?? PASSWORD,
      ...(options.cookie === undefined ? {} : { cookie: options.cookie }),
    },
    headers: options.headers,
  })
  const setCookie = response.headers.getSetCookie()[0]
  return {
    status: response.status,
    body: (await response.clone().json()) as Login['body'],
    setCookie,
    response,
  }
}

/** Logs in and returns the session JWT (bearer). */
export async function sessionToken(h: Harness, email: string): Promise<string> {
  const { status, body } = await login(h, email)
  expect(status).toBe(201)
  return body.token!
}

/** The server's own origin as a browser on HTTPS would name it. */
export function ownOrigin(h: Harness): string {
  return `https://${new URL(h.url).host}`
}

/** Logs in with `cookie: true` and returns the `name=value` pair to send back. */
export async function sessionCookie(h: Harness, email: string): Promise<string> {
  const { status, setCookie } = await login(h, email, {
    cookie: true,
    headers: { origin: ownOrigin(h) },
  })
  expect(status).toBe(201)
  return setCookie!.split(';')[0]!
}

/** The problem body, after checking status and code. */
export async function problem(
  response: Response,
  status: number,
  code: string,
): Promise<{ code: string; detail: string; status: number }> {
  const body = (await response.json()) as { code: string; detail: string; status: number }
  expect({ status: response.status, code: body.code }, body.detail).toEqual({ status, code })
  return body
}

/**
 * One request with header lines exactly as given (repeated names kept), over node:http, which,
 * unlike `rawRequest`, keeps the connection open until the answer comes.
 */
export function requestWithRawHeaders(
  url: string,
  method: string,
  path: string,
  rawHeaders: readonly string[],
): Promise<{ status: number; body: { code?: string } }> {
  return new Promise((resolve, reject) => {
    // Given as an array, the headers are sent as they are: Host included.
    const headers = ['Host', new URL(url).host, ...rawHeaders]
    const request = httpRequest(`${url}${path}`, { method, headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({
          status: response.statusCode ?? 0,
          body: text === '' ? {} : (JSON.parse(text) as { code?: string }),
        })
      })
    })
    request.on('error', reject)
    request.end()
  })
}
