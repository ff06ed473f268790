import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SecretSourceError } from '@keygate/core'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  AWS_ERRORS,
  startMockSecretsManager,
  type MockSecretsManager,
} from '../test/mock-secrets-manager.js'
import { createTestClient, FAKE_CREDENTIALS } from '../test/test-client.js'
import { awsSecretsManager } from './index.js'

let mock: MockSecretsManager
let client: SecretsManagerClient
let n = 0

beforeAll(async () => {
  mock = await startMockSecretsManager()
  client = createTestClient(mock)
})
afterAll(async () => {
  client.destroy()
  await mock.close()
})
afterEach(() => {
  mock.failWith(undefined)
  mock.delayMs = 0
})

function newSecret(value: string): { id: string; arn: string; versionId: string } {
  const id = `test/unit-${++n}`
  return { id, ...mock.createSecret(id, value) }
}

const load = (source: ReturnType<typeof awsSecretsManager>) =>
  source.load({ signal: new AbortController().signal })

async function put(secretId: string, value: string, stages: string[]): Promise<string> {
  const out = await client.send(
    new PutSecretValueCommand({ SecretId: secretId, SecretString: value, VersionStages: stages }),
  )
  return out.VersionId!
}

async function failure(promise: Promise<unknown>): Promise<SecretSourceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SecretSourceError)
  return error as SecretSourceError
}

describe('awsSecretsManager(): stages', () => {
  it('reads AWSCURRENT and treats a missing AWSPENDING as normal', async () => {
    const { id } = newSecret('current-secret-value')
    mock.resetCounts()
    const secrets = await load(awsSecretsManager({ secretId: id, client }))
    expect(secrets).toEqual([
      { value: 'current-secret-value', label: 'current', subject: undefined },
    ])
    expect(mock.gets('AWSCURRENT')).toBe(1)
    expect(mock.gets('AWSPENDING')).toBe(1)
    expect(mock.gets('AWSPREVIOUS')).toBe(0)
  })

  it('accepts the pending version during a rotation, labelled pending', async () => {
    const { id } = newSecret('old-secret-value')
    await put(id, 'new-secret-value', ['AWSPENDING'])
    const secrets = await load(awsSecretsManager({ secretId: id, client }))
    expect(secrets.map((s) => [s.value, s.label])).toEqual([
      ['old-secret-value', 'current'],
      ['new-secret-value', 'pending'],
    ])
  })

  it('reads AWSPREVIOUS only when asked (a grace window after the switch)', async () => {
    const { id } = newSecret('old-secret-value')
    await put(id, 'new-secret-value', ['AWSCURRENT'])
    expect(mock.stagesOf(id)).toHaveProperty('AWSPREVIOUS')
    const without = await load(awsSecretsManager({ secretId: id, client }))
    expect(without.map((s) => s.value)).toEqual(['new-secret-value'])
    const withPrevious = await load(
      awsSecretsManager({ secretId: id, client, stages: ['AWSPREVIOUS', 'AWSCURRENT'] }),
    )
    expect(withPrevious.map((s) => [s.value, s.label])).toEqual([
      ['new-secret-value', 'current'],
      ['old-secret-value', 'previous'],
    ])
  })

  it('yields one secret when a version carries several labels', async () => {
    const { id, versionId } = newSecret('only-secret-value')
    await put(id, 'only-secret-value', ['AWSPENDING'])
    expect(mock.stagesOf(id).AWSCURRENT).toBe(versionId)
    const secrets = await load(awsSecretsManager({ secretId: id, client }))
    expect(secrets).toHaveLength(1)
    expect(secrets[0]?.label).toBe('current')
  })

  it('reads one field of a JSON secret and names the subject', async () => {
    const { id } = newSecret(JSON.stringify({ username: 'svc', token: 'json-field-secret' }))
    const secrets = await load(
      awsSecretsManager({ secretId: id, field: 'token', client, subject: 'gateway' }),
    )
    expect(secrets).toEqual([{ value: 'json-field-secret', label: 'current', subject: 'gateway' }])
  })

  it('treats an empty pending version (raw or field) as normal', async () => {
    const raw = newSecret('raw-current-value')
    await put(raw.id, '', ['AWSPENDING'])
    expect(
      (await load(awsSecretsManager({ secretId: raw.id, client }))).map((s) => s.value),
    ).toEqual(['raw-current-value'])
    const json = newSecret('{"token":"json-current-value"}')
    await put(json.id, '{"token":"  "}', ['AWSPENDING'])
    const secrets = await load(awsSecretsManager({ secretId: json.id, field: 'token', client }))
    expect(secrets.map((s) => s.value)).toEqual(['json-current-value'])
  })
})

describe('awsSecretsManager(): malformed payloads fail the source, never yield an empty secret', () => {
  const SENSITIVE = 'SENSITIVE-PAYLOAD-7f3a'
  const cases: { name: string; payload: string; field?: string; code: string; reason: RegExp }[] = [
    { name: 'empty string', payload: '', code: 'malformed', reason: /is empty/ },
    { name: 'blank string', payload: '  \n', code: 'malformed', reason: /is empty/ },
    {
      name: '{} with a field',
      payload: '{}',
      field: 'token',
      code: 'malformed',
      reason: /has no field "token"/,
    },
    {
      name: 'null with a field',
      payload: 'null',
      field: 'token',
      code: 'malformed',
      reason: /not a JSON object/,
    },
    {
      name: 'array with a field',
      payload: `["${SENSITIVE}"]`,
      field: 'token',
      code: 'malformed',
      reason: /not a JSON object/,
    },
    {
      name: 'field missing',
      payload: `{"other":"${SENSITIVE}"}`,
      field: 'token',
      code: 'malformed',
      reason: /has no field/,
    },
    {
      name: 'field not a string',
      payload: '{"token":12345678}',
      field: 'token',
      code: 'malformed',
      reason: /not a string/,
    },
    {
      name: 'field empty',
      payload: '{"token":""}',
      field: 'token',
      code: 'malformed',
      reason: /is empty/,
    },
    {
      name: 'invalid JSON',
      payload: `{"token":"${SENSITIVE}`,
      field: 'token',
      code: 'malformed',
      reason: /not valid JSON/,
    },
    { name: '{} without a field', payload: '{}', code: 'malformed', reason: /looks like JSON/ },
    { name: 'null without a field', payload: 'null', code: 'malformed', reason: /looks like JSON/ },
    {
      name: 'JSON object without a field',
      payload: `{"token":"${SENSITIVE}"}`,
      code: 'malformed',
      reason: /looks like JSON/,
    },
  ]

  for (const c of cases) {
    it(`AWSCURRENT: ${c.name}`, async () => {
      const { id } = newSecret(c.payload)
      const error = await failure(load(awsSecretsManager({ secretId: id, field: c.field, client })))
      expect(error.code).toBe(c.code)
      expect(error.message).toMatch(c.reason)
      expect(error.message).toContain(`${id} (AWSCURRENT)`)
      expect(error.message).not.toContain(SENSITIVE)
      expect(error.cause).toBeUndefined()
    })
  }

  it('a malformed AWSPENDING or AWSPREVIOUS is skipped, with a warning, while AWSCURRENT is good', async () => {
    const { id } = newSecret('{"token":"good-current-value"}')
    await put(id, `{"other":"${SENSITIVE}"}`, ['AWSPENDING'])
    const warnings: { object: Record<string, unknown>; message: string }[] = []
    const logger = {
      warn: (object: Record<string, unknown>, message: string) =>
        warnings.push({ object, message }),
      error: () => {},
    }
    const source = awsSecretsManager({
      secretId: id,
      field: 'token',
      stages: ['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS'],
      client,
      logger,
    })
    expect(await load(source)).toEqual([
      { value: 'good-current-value', label: 'current', subject: undefined },
    ])
    expect(warnings).toEqual([
      {
        object: { source: `aws-secrets-manager:${id}#token`, stage: 'AWSPENDING' },
        message: `keygate: AWS Secrets Manager: ${id} (AWSPENDING) is malformed: the SecretString has no field "token"; skipped`,
      },
    ])
    expect(JSON.stringify(warnings)).not.toContain(SENSITIVE)
    // The pending version becomes current (a rotation's last step); the malformed one is previous.
    await put(id, '{"token":"next-current-value"}', ['AWSCURRENT'])
    expect(await load(source)).toEqual([
      { value: 'next-current-value', label: 'current', subject: undefined },
      { value: 'good-current-value', label: 'previous', subject: undefined },
    ])
    expect(warnings).toHaveLength(1) // once per version, not once per load
    // A malformed AWSCURRENT still fails the whole source.
    await put(id, '{"nope":1}', ['AWSCURRENT'])
    expect((await failure(load(source))).code).toBe('malformed')
  })
})

describe('awsSecretsManager(): SDK errors', () => {
  it('a missing secret (or AWSCURRENT) is a failure, not "unset"', async () => {
    const error = await failure(
      load(awsSecretsManager({ secretId: 'test/does-not-exist', client })),
    )
    expect(error.code).toBe('not_found')
    expect(error.message).toMatch(
      /GetSecretValue of test\/does-not-exist \(AWSCURRENT\) failed: the secret or this version stage does not exist/,
    )
  })

  it('access denied names the permission to check, not the AWS message', async () => {
    const { id } = newSecret('denied-secret-value')
    mock.failWith(AWS_ERRORS.accessDenied)
    const error = await failure(load(awsSecretsManager({ secretId: id, client })))
    expect(error.code).toBe('access_denied')
    expect(error.message).toMatch(
      /access denied \(AccessDeniedException\).*secretsmanager:GetSecretValue/,
    )
    expect(error.message).not.toContain('assumed-role')
  })

  it('throttling and server errors are failures with their own codes', async () => {
    const { id } = newSecret('throttled-secret-value')
    mock.failWith(AWS_ERRORS.throttling)
    expect((await failure(load(awsSecretsManager({ secretId: id, client })))).code).toBe(
      'throttled',
    )
    mock.failWith(AWS_ERRORS.internal)
    const error = await failure(load(awsSecretsManager({ secretId: id, client })))
    expect(error.code).toBe('unavailable')
    expect(error.message).toMatch(/server error \(InternalServiceError, HTTP 500\)/)
  })

  it("the SDK's own retries absorb a transient throttle", async () => {
    const { id } = newSecret('retried-secret-value')
    const retrying = createTestClient(mock, { maxAttempts: 3 })
    try {
      mock.failWith(AWS_ERRORS.throttling, { stage: 'AWSCURRENT', times: 1 })
      mock.resetCounts()
      const secrets = await load(awsSecretsManager({ secretId: id, client: retrying }))
      expect(secrets.map((s) => s.value)).toEqual(['retried-secret-value'])
      expect(mock.gets('AWSCURRENT')).toBe(2)
    } finally {
      retrying.destroy()
    }
  })

  it('passes the abort signal to the SDK', async () => {
    const { id } = newSecret('slow-secret-value')
    mock.delayMs = 30_000
    const abortedBefore = mock.aborted
    const controller = new AbortController()
    mock.resetCounts()
    const pending = awsSecretsManager({ secretId: id, client }).load({ signal: controller.signal })
    await vi.waitFor(() => expect(mock.gets()).toBe(2))
    controller.abort()
    const error = await failure(pending)
    expect(error.code).toBe('aborted')
    await vi.waitFor(() => expect(mock.aborted).toBeGreaterThanOrEqual(abortedBefore + 2))
  })
})

describe('awsSecretsManager(): client and region', () => {
  it('takes the region from the ARN when none is given', async () => {
    const { arn } = mock.createSecret(`test/regional-${++n}`, 'regional-secret-value', {
      region: 'eu-west-2',
    })
    const source = awsSecretsManager({
      secretId: arn,
      clientConfig: { endpoint: mock.url, credentials: FAKE_CREDENTIALS, maxAttempts: 1 },
    })
    const before = mock.regions.length
    expect((await load(source)).map((s) => s.value)).toEqual(['regional-secret-value'])
    expect(mock.regions.slice(before)).toEqual(['eu-west-2', 'eu-west-2'])
  })

  it('an explicit region wins over the ARN', async () => {
    const { arn } = mock.createSecret(`test/regional-${++n}`, 'regional-secret-value', {
      region: 'eu-west-2',
    })
    const source = awsSecretsManager({
      secretId: arn,
      region: 'ap-south-1',
      clientConfig: { endpoint: mock.url, credentials: FAKE_CREDENTIALS, maxAttempts: 1 },
    })
    const before = mock.regions.length
    await load(source)
    expect(mock.regions.slice(before)).toEqual(['ap-south-1', 'ap-south-1'])
  })

  it('validates its options once, at creation', () => {
    const bad: [unknown, string][] = [
      [{}, 'awsSecretsManager(): secretId must be a non-empty string'],
      [{ secretId: 'x', field: '' }, 'awsSecretsManager(): field must be a non-empty string'],
      [{ secretId: 'x', stages: [] }, "awsSecretsManager(): stages must include 'AWSCURRENT'"],
      [
        { secretId: 'x', stages: ['AWSPENDING'] },
        "awsSecretsManager(): stages must include 'AWSCURRENT'",
      ],
      [
        { secretId: 'x', stages: ['AWS CURRENT'] },
        'awsSecretsManager(): stages must be a list of staging labels',
      ],
      [{ secretId: 'x', client: {} }, 'awsSecretsManager(): client must be a SecretsManagerClient'],
      [
        { secretId: 'x', client, region: 'us-east-1' },
        'awsSecretsManager(): pass either client, or region/clientConfig for the client keygate creates, not both',
      ],
    ]
    for (const [options, message] of bad) {
      expect(() => awsSecretsManager(options as never)).toThrow(new TypeError(message))
    }
  })

  it('is named after the secret and field, never the value', () => {
    expect(awsSecretsManager({ secretId: 'prod/token', field: 'token', client }).name).toBe(
      'aws-secrets-manager:prod/token#token',
    )
  })
})
