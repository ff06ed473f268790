import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import type { MockSecretsManager } from './mock-secrets-manager.js'

/** Static fake credentials: the mock checks there is a SigV4 signature, not what signed it. */
export const FAKE_CREDENTIALS = {
  accessKeyId: 'AKIAKEYGATETEST00000',
  secretAccessKey: 'keygate-test-not-a-real-key',
}

/** A real SDK client pointed at the mock. `maxAttempts` 1 unless a test wants the SDK's retries. */
export function createTestClient(
  mock: MockSecretsManager,
  options: { maxAttempts?: number; region?: string } = {},
): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: mock.url,
    region: options.region ?? 'us-east-1',
    credentials: FAKE_CREDENTIALS,
    maxAttempts: options.maxAttempts ?? 1,
  })
}
