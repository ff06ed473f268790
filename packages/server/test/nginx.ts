/**
 * Real nginx for the edge tests: Debian's nginx, run as a child process of the test on a
 * loopback port, with its own configuration, pid file, logs and temp paths in a temp directory.
 * `KEYGATE_TEST_NGINX` names the binary (default `/usr/sbin/nginx`, what `.ci/run` installs).
 * Without it, the suite is skipped locally and fails under `CI=true`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export const NGINX = process.env.KEYGATE_TEST_NGINX ?? '/usr/sbin/nginx'

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Whether nginx can run here; with `CI=true` a missing nginx is an error, not a skip. */
export const nginxAvailable = executable(NGINX)
if (!nginxAvailable && process.env.CI === 'true') {
  throw new Error(
    `nginx is not executable at ${NGINX} (set KEYGATE_TEST_NGINX; .ci/run installs it)`,
  )
}

/** A free loopback port: bound on port 0, read, released (nginx needs a number in its config). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export type RunningNginx = {
  readonly url: string
  readonly port: number
  readonly dir: string
  close(): Promise<void>
}

/**
 * Starts nginx with `http` as the body of its `http {}` block; `{{port}}` is replaced by the
 * port it listens on. Waits until the port answers, or fails with nginx's error log.
 */
export async function startNginx(http: (port: number) => string): Promise<RunningNginx> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(http)
    } catch (error) {
      // Another process may have taken the free port between probe and bind: try another.
      if (attempt >= 3 || !String(error).includes('Address already in use')) throw error
    }
  }
}

async function startOnce(http: (port: number) => string): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-nginx-'))
  const port = await freePort()
  const root = process.getuid?.() === 0 ? 'user root;' : ''
  const config = `
daemon off;
master_process on;
worker_processes 1;
${root}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${http(port)}
}
`
  const file = join(dir, 'nginx.conf')
  writeFileSync(file, config)
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', file, '-e', `${dir}/error.log`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  let exited = false
  child.once('exit', () => (exited = true))
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8')
    } catch {
      return ''
    }
  }
  const deadline = Date.now() + 10_000
  for (;;) {
    if (exited) {
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`nginx exited at start: ${stderr}${errorLog()}`)
    }
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) })
      break
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error(`nginx did not answer within 10 s: ${stderr}${errorLog()}`)
      }
      await sleep(50)
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    async close() {
      if (!exited) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
        // SIGQUIT: graceful shutdown of the master and its worker.
        child.kill('SIGQUIT')
        await Promise.race([gone, sleep(5000).then(() => child.kill('SIGKILL'))])
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The `http {}` body of docs/edge.md's nginx example, with the test's addresses. */
export function nginxForwardAuth(options: { keygate: string; upstream: string; port: number }) {
  return `
  # 401: nginx passes the sub-request's WWW-Authenticate itself; 403: it does not, so we add it.
  map $keygate_status $keygate_403_challenge { 403 $keygate_challenge; default ""; }
  upstream keygate { server ${options.keygate}; keepalive 16; }
  upstream app { server ${options.upstream}; keepalive 16; }

  server {
    listen 127.0.0.1:${options.port};

    location = /_keygate/check {
      internal;
      proxy_pass http://keygate/v1/auth/check;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
    }

    # nginx drops the body of a refused sub-request: answer the problem keygate put in a header.
    location @keygate_refused {
      internal;
      default_type application/problem+json;
      add_header WWW-Authenticate $keygate_403_challenge always;
      add_header Cache-Control no-store always;
      if ($keygate_status = 401) { return 401 $keygate_problem; }
      if ($keygate_status = 403) { return 403 $keygate_problem; }
      if ($keygate_status = 400) { return 400 $keygate_problem; }
      if ($keygate_status = 503) { return 503 $keygate_problem; }
      return 500;
    }

    location / {
      auth_request /_keygate/check;
      auth_request_set $keygate_status $upstream_status;
      auth_request_set $keygate_problem $upstream_http_x_keygate_problem;
      auth_request_set $keygate_challenge $upstream_http_www_authenticate;
      auth_request_set $keygate_subject $upstream_http_x_keygate_subject;
      auth_request_set $keygate_scopes $upstream_http_x_keygate_scopes;
      auth_request_set $keygate_token_id $upstream_http_x_keygate_token_id;
      auth_request_set $keygate_via $upstream_http_x_keygate_via;
      auth_request_set $keygate_assertion $upstream_http_keygate_assertion;
      error_page 401 403 500 = @keygate_refused;

      # Set from the check, or removed (an empty value is not sent): a client never sets them.
      proxy_set_header X-Keygate-Subject $keygate_subject;
      proxy_set_header X-Keygate-Scopes $keygate_scopes;
      proxy_set_header X-Keygate-Token-Id $keygate_token_id;
      proxy_set_header X-Keygate-Via $keygate_via;
      proxy_set_header Keygate-Assertion $keygate_assertion;
      # Headers that name a service or a delegation are the gateway's to send, never the client's.
      proxy_set_header X-On-Behalf-Of "";
      proxy_set_header X-Service-Token "";
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://app;
    }
  }
`
}
