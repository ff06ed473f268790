export {
  createServiceFetch,
  type ServiceFetch,
  type ServiceFetchOptions,
  type ServiceRequestInit,
} from './create-service-fetch.js'
