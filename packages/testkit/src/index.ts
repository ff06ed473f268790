export {
  runAdapterConformance,
  type AdapterConformanceOptions,
  type ConformanceApp,
  type ConformanceAppOptions,
} from './run-adapter-conformance.js'
export { rawRequest, type RawResponse } from './raw-request.js'
export {
  HELPER_REQUEST_ID,
  runHelperConformance,
  type HelperConformanceOptions,
} from './run-helper-conformance.js'
export { serve, serveEach, type NodeRequestHandler } from './serve.js'
export { runStoreConformance, type StoreConformanceOptions } from './run-store-conformance.js'
