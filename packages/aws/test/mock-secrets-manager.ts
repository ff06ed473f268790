import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

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

type Version = { id: string; secretString: string | undefined; createdAt: number }
type StoredSecret = {
  name: string
  arn: string
  versions: Map<string, Version>
  /** staging label → version id */
  stages: Map<string, string>
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

class AWSFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message)
  }
}

const ACCOUNT = '123456789012'
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

function suffix(): string {
  let out = ''
  for (let i = 0; i < 6; i++)
    out += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)]
  return out
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function str(input: Record<string, unknown>, key: string): string | undefined {
  const value = input[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string')
    throw new AWSFault('InvalidParameterException', `${key} must be a string`)
  return value
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
  const secrets = new Map<string, StoredSecret>()
  const counts = new Map<string, number>()
  const regions: string[] = []
  let failure: (MockFailure & MockFailureOptions) | undefined
  let aborted = 0

  function find(secretId: string | undefined): StoredSecret {
    if (secretId === undefined)
      throw new AWSFault('InvalidParameterException', 'SecretId is required')
    const byName = secrets.get(secretId)
    if (byName !== undefined) return byName
    for (const secret of secrets.values()) {
      // A partial ARN (without the random suffix) is accepted too, as AWS does.
      if (secret.arn === secretId || secret.arn.slice(0, -7) === secretId) return secret
    }
    throw new AWSFault(
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret.",
    )
  }

  function stagesFor(secret: StoredSecret, versionId: string): string[] {
    return [...secret.stages].filter(([, id]) => id === versionId).map(([stage]) => stage)
  }

  // Attaches `stage` to `versionId`, the way AWS does when a label moves.
  function moveStage(secret: StoredSecret, stage: string, versionId: string): void {
    const holder = secret.stages.get(stage)
    if (holder === versionId) return
    if (stage === 'AWSCURRENT' && holder !== undefined) secret.stages.set('AWSPREVIOUS', holder)
    secret.stages.set(stage, versionId)
  }

  function create(
    name: string,
    secretString: string | undefined,
    region: string,
    versionId?: string,
  ) {
    if (secrets.has(name))
      throw new AWSFault(
        'ResourceExistsException',
        `The operation failed because the secret ${name} already exists.`,
      )
    const arn = `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${suffix()}`
    const secret: StoredSecret = { name, arn, versions: new Map(), stages: new Map() }
    secrets.set(name, secret)
    if (secretString === undefined) return { secret, versionId: undefined }
    const id = versionId ?? randomUUID()
    secret.versions.set(id, { id, secretString, createdAt: Date.now() })
    secret.stages.set('AWSCURRENT', id)
    return { secret, versionId: id }
  }

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    CreateSecret(input) {
      const name = str(input, 'Name')
      if (name === undefined) throw new AWSFault('InvalidParameterException', 'Name is required')
      const { secret, versionId } = create(
        name,
        str(input, 'SecretString'),
        regions.at(-1) ?? 'us-east-1',
        str(input, 'ClientRequestToken'),
      )
      return { ARN: secret.arn, Name: secret.name, VersionId: versionId }
    },

    async GetSecretValue(input) {
      const versionStage = str(input, 'VersionStage')
      const versionIdIn = str(input, 'VersionId')
      const stage = versionStage ?? (versionIdIn === undefined ? 'AWSCURRENT' : undefined)
      const key = stage ?? `version:${versionIdIn}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
      if (api.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, api.delayMs))
      if (failure !== undefined && (failure.stage === undefined || failure.stage === stage)) {
        const current = failure
        if (current.times !== undefined && --current.times <= 0) failure = undefined
        throw new AWSFault(current.type, current.message ?? current.type, current.status)
      }
      const secret = find(str(input, 'SecretId'))
      const versionId = stage === undefined ? versionIdIn : secret.stages.get(stage)
      const version = versionId === undefined ? undefined : secret.versions.get(versionId)
      if (version === undefined || (versionIdIn !== undefined && version.id !== versionIdIn)) {
        throw new AWSFault(
          'ResourceNotFoundException',
          stage === undefined
            ? "Secrets Manager can't find the specified secret value for VersionId"
            : `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
        )
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.id,
        SecretString: version.secretString,
        VersionStages: stagesFor(secret, version.id),
        CreatedDate: version.createdAt / 1000,
      }
    },

    PutSecretValue(input) {
      const secret = find(str(input, 'SecretId'))
      const secretString = str(input, 'SecretString')
      if (secretString === undefined) {
        throw new AWSFault(
          'InvalidParameterException',
          'You must provide either SecretString or SecretBinary.',
        )
      }
      const id = str(input, 'ClientRequestToken') ?? randomUUID()
      const rawStages = input.VersionStages ?? ['AWSCURRENT']
      if (!Array.isArray(rawStages) || rawStages.some((s) => typeof s !== 'string')) {
        throw new AWSFault('InvalidParameterException', 'VersionStages must be a list of strings')
      }
      const existing = secret.versions.get(id)
      if (existing !== undefined) {
        if (existing.secretString !== secretString) {
          throw new AWSFault(
            'ResourceExistsException',
            'A version with this ClientRequestToken already exists with a different value.',
          )
        }
      } else {
        secret.versions.set(id, { id, secretString, createdAt: Date.now() })
      }
      for (const stage of rawStages as string[]) moveStage(secret, stage, id)
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: id,
        VersionStages: stagesFor(secret, id),
      }
    },

    UpdateSecretVersionStage(input) {
      const secret = find(str(input, 'SecretId'))
      const stage = str(input, 'VersionStage')
      if (stage === undefined)
        throw new AWSFault('InvalidParameterException', 'VersionStage is required')
      const moveTo = str(input, 'MoveToVersionId')
      const removeFrom = str(input, 'RemoveFromVersionId')
      const holder = secret.stages.get(stage)
      if (moveTo !== undefined && !secret.versions.has(moveTo)) {
        throw new AWSFault(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret version.",
        )
      }
      if (removeFrom !== undefined && holder !== removeFrom) {
        throw new AWSFault(
          'InvalidParameterException',
          `The staging label ${stage} is not attached to version ${removeFrom}.`,
        )
      }
      if (moveTo !== undefined) {
        if (holder !== undefined && holder !== moveTo && removeFrom === undefined) {
          throw new AWSFault(
            'InvalidParameterException',
            `The staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
          )
        }
        moveStage(secret, stage, moveTo)
      } else if (removeFrom !== undefined) {
        if (stage === 'AWSCURRENT') {
          throw new AWSFault(
            'InvalidParameterException',
            'You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.',
          )
        }
        secret.stages.delete(stage)
      }
      return { ARN: secret.arn, Name: secret.name }
    },

    DescribeSecret(input) {
      const secret = find(str(input, 'SecretId'))
      const versionIdsToStages: Record<string, string[]> = {}
      for (const id of secret.versions.keys()) {
        const stages = stagesFor(secret, id)
        if (stages.length > 0) versionIdsToStages[id] = stages
      }
      return { ARN: secret.arn, Name: secret.name, VersionIdsToStages: versionIdsToStages }
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
      const { secret, versionId } = create(name, secretString, options?.region ?? 'us-east-1')
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
