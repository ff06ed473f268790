export { collectRoutes, type CollectedRoute } from './collect-routes.js'
export {
  buildOpenAPIDocument,
  openAPIPath,
  type OpenAPIDocument,
  type OpenAPIOptions,
  type Operation,
} from './build-openapi-document.js'
export { renderDocsPage } from './render-docs-page.js'
export { routeErrors } from './route-errors.js'
export {
  API_TOKEN_GATE,
  describeGate,
  SECURITY_SCHEMES,
  type GateDescription,
} from './security-schemes.js'
