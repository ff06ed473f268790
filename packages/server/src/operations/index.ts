// One file per thing the service does. Routes translate HTTP to these and back; the CLI calls
// the same exports. Each takes its dependencies explicitly (OperationDeps) and resolves to a
// result or throws a coded ServiceError.
export type { OperationAudit, OperationDeps, OperationLog } from './operation-deps.js'
export { changePassword, type ChangePasswordInput } from './change-password.js'
export { completeSetup, type CompleteSetupOptions } from './complete-setup.js'
export { createUser, type CreateUserOptions } from './create-user.js'
export { issueToken, type IssuedToken, type IssueTokenInput } from './issue-token.js'
export {
  logInWithPassword,
  type LogInWithPasswordInput,
  type PasswordLogin,
} from './log-in-with-password.js'
export { revokeCurrentToken } from './revoke-current-token.js'
export { revokeToken, type RevokedToken, type RevokeTokenInput } from './revoke-token.js'
export { revokeUserTokens, type RevokeUserTokensInput } from './revoke-user-tokens.js'
export { rotateToken, type RotatedToken, type RotateTokenInput } from './rotate-token.js'
export { updateUser, type UpdatedUser, type UpdateUserInput } from './update-user.js'
export {
  upsertExternalUser,
  type UpsertedUser,
  type UpsertExternalUserInput,
} from './upsert-external-user.js'
