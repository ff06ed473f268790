import {
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager'
import {
  SecretSourceError,
  silentLogger,
  type Logger,
  type Secret,
  type SecretSource,
} from '@keygate/core'
import { describeAWSError } from './lib/describe-aws-error.js'
import { MalformedPayloadError, parseSecretPayload } from './lib/parse-secret-payload.js'
import { regionFromARN } from './lib/region-from-arn.js'

/** A Secrets Manager staging label; the three AWS manages are spelled out. */
export type AWSVersionStage = 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS' | (string & {})

/** Options of {@link awsSecretsManager}. */
export type AWSSecretsManagerOptions = {
  /** The secret's name or ARN. With an ARN, the region is taken from it unless `region` is given. */
  secretId: string
  /**
   * Read this field of the `SecretString`'s JSON object. Without it, the whole `SecretString`
   * (trimmed) is the secret.
   */
  field?: string
  /**
   * Staging labels to read, one `GetSecretValue` each. Default `['AWSCURRENT', 'AWSPENDING']`;
   * add `'AWSPREVIOUS'` to keep accepting the old secret after a rotation (a grace window).
   * Must include `AWSCURRENT`.
   */
  stages?: readonly AWSVersionStage[]
  /** A client of your own (its region, credentials and retries are used as they are). */
  client?: SecretsManagerClient
  /** Region of the client keygate creates. Default: from the ARN, else the SDK's default chain. */
  region?: string
  /** More configuration for the client keygate creates (endpoint, credentials, `maxAttempts`, …). */
  clientConfig?: SecretsManagerClientConfig
  /** Principal subject when one of these secrets matches (see `serviceToken`'s `subject`). */
  subject?: string
  /** Gets a warning when a malformed `AWSPENDING`/`AWSPREVIOUS` is skipped; never a payload. */
  logger?: Logger
}

const DEFAULT_STAGES: readonly AWSVersionStage[] = ['AWSCURRENT', 'AWSPENDING']
const LABELS: Record<string, string> = {
  AWSCURRENT: 'current',
  AWSPENDING: 'pending',
  AWSPREVIOUS: 'previous',
}
// Secrets Manager staging labels: 1–256 characters.
const STAGE = /^[\w+=,.@-]{1,256}$/

function fail(message: string): never {
  throw new TypeError(`awsSecretsManager(): ${message}`)
}

function validStages(stages: readonly AWSVersionStage[] | undefined): string[] {
  if (stages === undefined) return [...DEFAULT_STAGES]
  if (!Array.isArray(stages) || stages.some((s) => typeof s !== 'string' || !STAGE.test(s))) {
    fail('stages must be a list of staging labels')
  }
  const unique = [...new Set(stages as readonly string[])]
  if (!unique.includes('AWSCURRENT')) fail("stages must include 'AWSCURRENT'")
  // AWSCURRENT first, so it wins when one version carries several labels.
  return ['AWSCURRENT', ...unique.filter((s) => s !== 'AWSCURRENT')]
}

type Loaded = { stage: string; value: string }

/**
 * A {@link SecretSource} reading a secret from AWS Secrets Manager (SPEC §4), one
 * `GetSecretValue` per staging label: `AWSCURRENT` and `AWSPENDING` by default, so a secret being
 * rotated is accepted from the moment the rotation puts it, and `AWSPREVIOUS` when asked, so the
 * old one is accepted for a grace window after the switch.
 *
 * - A missing (or empty) version of any stage other than `AWSCURRENT` is normal and skipped.
 * - A malformed version of a stage other than `AWSCURRENT` (a rotation that put a bad pending
 *   value) is skipped with a warning (once per version): the good current secret keeps working.
 * - A missing or empty `AWSCURRENT`, or a malformed one (not JSON when `field` is set, not an
 *   object, the field missing or not a string, JSON read without `field`), is a failure of the
 *   source: the cache serves its stale set within `maxStale`, then answers `503`.
 *   An empty secret is never yielded.
 * - SDK errors (throttling, timeouts, 5xx, access denied, missing credentials) are failures too,
 *   thrown as a {@link SecretSourceError} whose message names the secret, the stage and the
 *   reason, never the payload. The SDK's own retries run inside the cache's `timeoutMs`: the
 *   load's abort signal is passed to every call.
 *
 * The same source works for {@link https://www.npmjs.com/package/@keygate/client | @keygate/client},
 * so a gateway and its backend read one secret.
 *
 * @throws TypeError at creation for a bad option.
 * @example
 * ```ts
 * const gate = serviceToken({
 *   source: awsSecretsManager({ secretId: 'prod/api/service-token', field: 'token' }),
 *   cache: { ttlMs: 60_000, maxStaleMs: 15 * 60_000 },
 * })
 * ```
 */
export function awsSecretsManager(options: AWSSecretsManagerOptions): SecretSource {
  if (options === null || typeof options !== 'object') fail('options are required')
  const { secretId, field, subject } = options
  if (typeof secretId !== 'string' || secretId.trim() === '')
    fail('secretId must be a non-empty string')
  if (field !== undefined && (typeof field !== 'string' || field === '')) {
    fail('field must be a non-empty string')
  }
  if (subject !== undefined && (typeof subject !== 'string' || subject === '')) {
    fail('subject must be a non-empty string')
  }
  const stages = validStages(options.stages)
  if (options.client !== undefined) {
    if (typeof (options.client as { send?: unknown }).send !== 'function') {
      fail('client must be a SecretsManagerClient')
    }
    if (options.region !== undefined || options.clientConfig !== undefined) {
      fail('pass either client, or region/clientConfig for the client keygate creates, not both')
    }
  }
  if (
    options.region !== undefined &&
    (typeof options.region !== 'string' || options.region === '')
  ) {
    fail('region must be a non-empty string')
  }
  const client =
    options.client ??
    new SecretsManagerClient({
      ...options.clientConfig,
      region: options.region ?? options.clientConfig?.region ?? regionFromARN(secretId),
    })
  const name = `aws-secrets-manager:${secretId}${field === undefined ? '' : `#${field}`}`
  const logger = options.logger ?? silentLogger
  // The version last warned about per stage: one warning per malformed version, not per load.
  const warned = new Map<string, string | undefined>()

  async function loadStage(stage: string, signal: AbortSignal): Promise<Loaded | undefined> {
    const required = stage === 'AWSCURRENT'
    let output
    try {
      output = await client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }),
        {
          abortSignal: signal,
        },
      )
    } catch (error) {
      const { code, reason } = describeAWSError(error)
      // A stage with no version (no rotation under way, no previous version yet) is normal.
      if (code === 'not_found' && !required) return undefined
      throw new SecretSourceError(
        code,
        `AWS Secrets Manager: GetSecretValue of ${secretId} (${stage}) failed: ${reason}`,
        {
          cause: error,
        },
      )
    }
    let parsed
    try {
      parsed = parseSecretPayload(output.SecretString, field)
    } catch (error) {
      const reason =
        error instanceof MalformedPayloadError ? error.message : 'the payload could not be read'
      const message = `AWS Secrets Manager: ${secretId} (${stage}) is malformed: ${reason}`
      if (!required) {
        if (!warned.has(stage) || warned.get(stage) !== output.VersionId) {
          warned.set(stage, output.VersionId)
          logger.warn({ source: name, stage }, `keygate: ${message}; skipped`)
        }
        return undefined
      }
      // No cause: the payload must not travel with the error.
      throw new SecretSourceError('malformed', message)
    }
    if (parsed.kind === 'empty') {
      if (!required) return undefined
      // An empty secret could only be matched by an empty credential; never read as "unset" either.
      throw new SecretSourceError(
        'malformed',
        `AWS Secrets Manager: ${secretId} (${stage}) is empty`,
      )
    }
    return { stage, value: parsed.value }
  }

  return {
    name,
    async load({ signal }) {
      // One failed stage fails the load; the other calls are cancelled rather than left running.
      const controller = new AbortController()
      const combined = AbortSignal.any([signal, controller.signal])
      let loaded: (Loaded | undefined)[]
      try {
        loaded = await Promise.all(stages.map((stage) => loadStage(stage, combined)))
      } catch (error) {
        controller.abort()
        throw error
      }
      const secrets: Secret[] = []
      const seen = new Set<string>()
      for (const entry of loaded) {
        // One version may carry several labels (AWSCURRENT and AWSPENDING right after a rotation).
        if (entry === undefined || seen.has(entry.value)) continue
        seen.add(entry.value)
        secrets.push({ value: entry.value, label: LABELS[entry.stage] ?? entry.stage, subject })
      }
      return secrets
    },
  }
}
