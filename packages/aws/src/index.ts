export {
  awsSecretsManager,
  type AWSSecretsManagerOptions,
  type AWSVersionStage,
} from './aws-secrets-manager.js'
