import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMockSecretsManager, type MockSecretsManager } from './mock-secrets-manager.js'
import { createTestClient } from './test-client.js'

// The scenario tests trust the mock to keep stages as AWS does; this checks it, through the SDK.
let mock: MockSecretsManager
let sdk: SecretsManagerClient
beforeAll(async () => {
  mock = await startMockSecretsManager()
  sdk = createTestClient(mock)
})
afterAll(async () => {
  sdk.destroy()
  await mock.close()
})

describe('the mock Secrets Manager keeps version stages as AWS does', () => {
  it('putting AWSCURRENT moves the old version to AWSPREVIOUS', async () => {
    const { versionId: v1 } = mock.createSecret('mock/a', 'one')
    const { VersionId: v2 } = await sdk.send(
      new PutSecretValueCommand({ SecretId: 'mock/a', SecretString: 'two' }),
    )
    const { VersionId: v3 } = await sdk.send(
      new PutSecretValueCommand({ SecretId: 'mock/a', SecretString: 'three' }),
    )
    expect(mock.stagesOf('mock/a')).toEqual({ AWSCURRENT: v3, AWSPREVIOUS: v2 })
    const described = await sdk.send(new DescribeSecretCommand({ SecretId: 'mock/a' }))
    expect(described.VersionIdsToStages).toEqual({ [v2!]: ['AWSPREVIOUS'], [v3!]: ['AWSCURRENT'] })
    expect(v1).not.toBe(v2)
  })

  it('moving AWSCURRENT needs RemoveFromVersionId, and AWSCURRENT cannot be removed', async () => {
    const { versionId: v1, arn } = mock.createSecret('mock/b', 'one')
    const { VersionId: v2 } = await sdk.send(
      new PutSecretValueCommand({
        SecretId: arn,
        SecretString: 'two',
        VersionStages: ['AWSPENDING'],
      }),
    )
    await expect(
      sdk.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'mock/b',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: v2,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' })
    await expect(
      sdk.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'mock/b',
          VersionStage: 'AWSCURRENT',
          RemoveFromVersionId: v1,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' })
    await sdk.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'mock/b',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: v2,
        RemoveFromVersionId: v1,
      }),
    )
    expect(mock.stagesOf('mock/b')).toEqual({ AWSCURRENT: v2, AWSPENDING: v2, AWSPREVIOUS: v1 })
    const got = await sdk.send(
      new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPREVIOUS' }),
    )
    expect(got).toMatchObject({
      SecretString: 'one',
      VersionId: v1,
      VersionStages: ['AWSPREVIOUS'],
    })
  })

  it('answers a missing stage or secret with ResourceNotFoundException', async () => {
    mock.createSecret('mock/c', 'one')
    await expect(
      sdk.send(new GetSecretValueCommand({ SecretId: 'mock/c', VersionStage: 'AWSPENDING' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    })
    await expect(
      sdk.send(new GetSecretValueCommand({ SecretId: 'mock/none' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    })
  })
})
