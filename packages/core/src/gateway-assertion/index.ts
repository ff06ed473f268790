export {
  ASSERTION_HEADER,
  ASSERTION_TYP,
  MAX_ASSERTION_TTL_SEC,
  type AssertionClaims,
  type AssertionVia,
} from './assertion-format.js'
export {
  createAssertionSigner,
  type AssertionInput,
  type AssertionSigner,
  type AssertionSignerOptions,
} from './create-assertion-signer.js'
export { gatewayAssertion, type GatewayAssertionOptions } from './gateway-assertion.js'
