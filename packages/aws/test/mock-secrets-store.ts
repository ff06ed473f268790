import { randomUUID } from 'node:crypto'

/**
 * The state of the Secrets Manager stand-in (`mock-secrets-manager.ts`) and its operations, as
 * AWS keeps them: versions, and staging labels each on at most one version; moving `AWSCURRENT`
 * puts `AWSPREVIOUS` on the version that held it. No HTTP here: the server is in the mock.
 */

/** An AWS error, as the JSON protocol answers it (`__type`, `message`) with its status. */
export class AWSFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message)
  }
}

export type Version = { id: string; secretString: string | undefined; createdAt: number }
export type StoredSecret = {
  name: string
  arn: string
  versions: Map<string, Version>
  /** staging label → version id */
  stages: Map<string, string>
}

/** One operation of the JSON 1.1 protocol: its input object in, its output object out. */
export type Operation = (input: Record<string, unknown>) => unknown

const ACCOUNT = '123456789012'
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

function suffix(): string {
  let out = ''
  for (let i = 0; i < 6; i++)
    out += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)]
  return out
}

/** A string member of an operation's input, or `undefined`; anything else is a 400. */
export function str(input: Record<string, unknown>, key: string): string | undefined {
  const value = input[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string')
    throw new AWSFault('InvalidParameterException', `${key} must be a string`)
  return value
}

/** The staging label (default `AWSCURRENT`) or version id a `GetSecretValue` asks for. */
export function requestedVersion(input: Record<string, unknown>): {
  stage: string | undefined
  versionId: string | undefined
} {
  const versionStage = str(input, 'VersionStage')
  const versionId = str(input, 'VersionId')
  return {
    stage: versionStage ?? (versionId === undefined ? 'AWSCURRENT' : undefined),
    versionId,
  }
}

/** The secrets of one mock, and the operations on them. */
export type SecretStore = {
  /** Creates a secret whose first version (when `secretString` is given) holds `AWSCURRENT`. */
  readonly create: (
    name: string,
    secretString: string | undefined,
    region: string,
    versionId?: string,
  ) => { secret: StoredSecret; versionId: string | undefined }
  /** A secret by name, ARN or partial ARN; `ResourceNotFoundException` otherwise. */
  readonly find: (secretId: string | undefined) => StoredSecret
  /** `CreateSecret`, `GetSecretValue`, `PutSecretValue`, `UpdateSecretVersionStage`, `DescribeSecret`. */
  readonly operations: Readonly<Record<string, Operation>>
}

/** An empty store; `region()` names the region a `CreateSecret` is made in. */
export function createSecretStore(options: { region: () => string }): SecretStore {
  const secrets = new Map<string, StoredSecret>()

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

  const operations: Record<string, Operation> = {
    CreateSecret(input) {
      const name = str(input, 'Name')
      if (name === undefined) throw new AWSFault('InvalidParameterException', 'Name is required')
      const { secret, versionId } = create(
        name,
        str(input, 'SecretString'),
        options.region(),
        str(input, 'ClientRequestToken'),
      )
      return { ARN: secret.arn, Name: secret.name, VersionId: versionId }
    },

    GetSecretValue(input) {
      const { stage, versionId: versionIdIn } = requestedVersion(input)
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

  return { create, find, operations }
}
