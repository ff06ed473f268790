/**
 * Fastify's Ajv options for the service: strict — an unknown field is an error (never silently
 * dropped), every error is reported, and a JSON body is never coerced ("30" is not 30). Query
 * strings are coerced per route.
 */
export function ajvOptions() {
  return {
    customOptions: {
      removeAdditional: false as const,
      allErrors: true,
      coerceTypes: false as const,
      useDefaults: false,
    },
  }
}
