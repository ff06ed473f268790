export { completeSetup, type CompleteSetupOptions } from '../operations/complete-setup.js'
export {
  issueSetupCode,
  SETUP_CODE_TTL_SECONDS,
  type IssuedSetupCode,
  type IssueSetupCodeOptions,
} from './issue-setup-code.js'
export {
  digestSetupCode,
  generateSetupCode,
  matchesSetupCode,
  normalizeSetupCode,
} from './setup-code.js'
export {
  removeSetupCodeFile,
  setupCodePath,
  SETUP_CODE_FILE,
  writeSetupCodeFile,
} from './setup-file.js'
export { createSetupStore, type SetupCodeRecord, type SetupStore } from '../store/setup-store.js'
