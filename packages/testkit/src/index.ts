export {
  runAdapterConformance,
  type AdapterConformanceOptions,
  type ConformanceApp,
  type ConformanceAppOptions,
} from './run-adapter-conformance.js'
export { rawRequest, type RawResponse } from './raw-request.js'
export { runStoreConformance, type StoreConformanceOptions } from './run-store-conformance.js'
