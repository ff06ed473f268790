// arn:<partition>:secretsmanager:<region>:<account>:secret:<name>
const SECRET_ARN = /^arn:[a-z0-9-]+:secretsmanager:([a-z0-9-]+):\d{12}:secret:.+$/

/**
 * The region named in a Secrets Manager secret ARN, or `undefined` for a plain name.
 *
 * @example
 * ```ts
 * regionFromARN('arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf') // 'eu-west-1'
 * ```
 */
export function regionFromARN(secretId: string): string | undefined {
  return SECRET_ARN.exec(secretId)?.[1]
}
