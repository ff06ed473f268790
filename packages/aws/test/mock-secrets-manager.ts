import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  AWSFault,
  createSecretStore,
  requestedVersion,
  type Operation,
} from './mock-secrets-store.js'

/**
 * A local stand-in for AWS Secrets Manager, for tests only: a node:http server on 127.0.0.1 that
 * speaks the JSON 1.1 protocol the real SDK client uses (`X-Amz-Target: secretsmanager.<Op>`,
 * `application/x-amz-json-1.1`) and keeps version stages the way AWS does: a staging label is on
 * at most one version, and moving `AWSCURRENT` puts `AWSPREVIOUS` on the version that held it.
 *
 * Operations: `CreateSecret`, `GetSecretValue`, `PutSecretValue`, `UpdateSecretVersionStage`,
 * `DescribeSecret`. Failures and delays can be injected into `GetSecretValue`.
 */

/** An AWS error answer: `{"__type": type, "message": message}` with `status`. */
export type MockFailure = { type: string; status: number; message?: string }

/** Where and how often an injected failure applies. */
export type MockFailureOptions = {
  /** Only requests for this staging label. Default: every stage. */
  stage?: string
  /** How many requests fail before the failure clears itself. Default: until cleared. */
  times?: number
}

export type MockSecretsManager = {
  /** `http://127.0.0.1:<port>`, for the SDK client's `endpoint`. */
  readonly url: string
  /** Creates a secret whose first version holds `AWSCURRENT`; returns its ARN and version id. */
  createSecret(
    name: string,
    secretString: string,
    options?: { region?: string },
  ): { arn: string; versionId: string }
  /** Staging label → version id, as `DescribeSecret` would report it. */
  stagesOf(secretId: string): Record<string, string>
  /** `GetSecretValue` requests received (before any injected delay or failure), by stage. */
  gets(stage?: string): number
  resetCounts(): void
  /** Makes `GetSecretValue` answer with this error (`undefined` clears it). */
  failWith(failure: MockFailure | undefined, options?: MockFailureOptions): void
  /** Delay before each `GetSecretValue` answer, in ms. */
  delayMs: number
  /** Requests whose client went away before the answer (an aborted SDK call). */
  readonly aborted: number
  /** Regions named in the SigV4 credential scope of the requests received. */
  readonly regions: readonly string[]
  close(): Promise<void>
}

/** The errors AWS answers, as the JSON protocol carries them. */
export const AWS_ERRORS = {
  throttling: { type: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
  accessDenied: {
    type: 'AccessDeniedException',
    status: 400,
    message:
      'User: arn:aws:sts::123456789012:assumed-role/app/i-0 is not authorized to perform: secretsmanager:GetSecretValue',
  },
  internal: {
    type: 'InternalServiceError',
    status: 500,
    message: 'An error occurred on the server side.',
  },
} satisfies Record<string, MockFailure>

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/**
 * Starts the mock on 127.0.0.1, port 0.
 *
 * @example
 * ```ts
 * const aws = await startMockSecretsManager()
 * aws.createSecret('keygate/service-token', 'old-secret')
 * const client = new SecretsManagerClient({ endpoint: aws.url, region: 'us-east-1', credentials })
 * ```
 */
export async function startMockSecretsManager(): Promise<MockSecretsManager> {
  const counts = new Map<string, number>()
  const regions: string[] = []
  let failure: (MockFailure & MockFailureOptions) | undefined
  let aborted = 0

  const store = createSecretStore({ region: () => regions.at(-1) ?? 'us-east-1' })
  const { find } = store
  const operations: Record<string, Operation> = {
    ...store.operations,
    // Counted, delayed and failed as the tests ask, before the store answers.
    async GetSecretValue(input) {
      const { stage, versionId } = requestedVersion(input)
      const key = stage ?? `version:${versionId}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
      if (api.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, api.delayMs))
      if (failure !== undefined && (failure.stage === undefined || failure.stage === stage)) {
        const current = failure
        if (current.times !== undefined && --current.times <= 0) failure = undefined
        throw new AWSFault(current.type, current.message ?? current.type, current.status)
      }
      return store.operations.GetSecretValue!(input)
    },
  }

  function send(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return
    res
      .writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
      })
      .end(JSON.stringify(body))
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let done = false
    res.on('close', () => {
      if (!done && !res.writableFinished) aborted++
    })
    try {
      const target = req.headers['x-amz-target']
      if (
        req.method !== 'POST' ||
        typeof target !== 'string' ||
        !target.startsWith('secretsmanager.')
      ) {
        throw new AWSFault('UnknownOperationException', 'Unknown operation')
      }
      if (!String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')) {
        throw new AWSFault('SerializationException', 'Expected application/x-amz-json-1.1')
      }
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/secretsmanager\/aws4_request/.exec(
        req.headers.authorization ?? '',
      )
      if (scope === null)
        throw new AWSFault(
          'IncompleteSignatureException',
          'Authorization header requires a SigV4 signature',
        )
      regions.push(scope[1]!)
      const operation = operations[target.slice('secretsmanager.'.length)]
      if (operation === undefined)
        throw new AWSFault('UnknownOperationException', `Unknown operation ${target}`)
      const raw = await readBody(req)
      let input: unknown
      try {
        input = raw === '' ? {} : JSON.parse(raw)
      } catch {
        throw new AWSFault('SerializationException', 'Malformed JSON')
      }
      const output = await operation((input ?? {}) as Record<string, unknown>)
      send(res, 200, output)
    } catch (error) {
      const fault =
        error instanceof AWSFault
          ? error
          : new AWSFault('InternalServiceError', 'An error occurred on the server side.', 500)
      send(res, fault.status, { __type: fault.type, message: fault.message })
    } finally {
      done = true
    }
  }

  const server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const api: MockSecretsManager = {
    url: `http://127.0.0.1:${port}`,
    createSecret(name, secretString, options) {
      const { secret, versionId } = store.create(name, secretString, options?.region ?? 'us-east-1')
      return { arn: secret.arn, versionId: versionId! }
    },
    stagesOf(secretId) {
      return Object.fromEntries(find(secretId).stages)
    },
    gets(stage) {
      if (stage !== undefined) return counts.get(stage) ?? 0
      let total = 0
      for (const n of counts.values()) total += n
      return total
    },
    resetCounts() {
      counts.clear()
    },
    failWith(next, options) {
      failure = next === undefined ? undefined : { ...next, ...options }
    },
    delayMs: 0,
    get aborted() {
      return aborted
    },
    regions,
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
  return api
}
