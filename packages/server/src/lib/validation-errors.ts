import type { FastifySchemaValidationError } from 'fastify'
import { ServiceError, type FieldError } from './errors.js'

type SchemaErrorDataVar = 'body' | 'headers' | 'params' | 'querystring'

const PART: Record<SchemaErrorDataVar, string> = {
  body: 'The request body is invalid',
  querystring: 'The query string is invalid',
  params: 'The path is invalid',
  headers: 'The request headers are invalid',
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1')
}

function toFieldError(error: FastifySchemaValidationError): FieldError {
  const path = error.instancePath
  const params = error.params
  switch (error.keyword) {
    case 'additionalProperties':
      return {
        path: `${path}/${escapePointer(String(params.additionalProperty))}`,
        message: 'unknown field',
      }
    case 'required':
      return {
        path: `${path}/${escapePointer(String(params.missingProperty))}`,
        message: 'is required',
      }
    case 'enum':
      return {
        path,
        message: /^\/scopes\/\d+$/.test(path)
          ? 'unknown scope'
          : 'must be one of the allowed values',
      }
    case 'type':
      return {
        path,
        message: path === '' ? 'must be a JSON object' : (error.message ?? 'has the wrong type'),
      }
    default:
      return { path, message: error.message ?? 'is invalid' }
  }
}

/**
 * Fastify's `schemaErrorFormatter`: every ajv error (`allErrors: true`) becomes one
 * `{ path, message }` of a `400 validation_failed` problem, `path` a JSON Pointer (RFC 6901).
 */
export function formatValidationErrors(
  errors: FastifySchemaValidationError[],
  part: SchemaErrorDataVar,
): Error {
  const seen = new Set<string>()
  const list: FieldError[] = []
  for (const error of errors) {
    const field = toFieldError(error)
    const key = `${field.path}\u0000${field.message}`
    if (!seen.has(key)) list.push(field)
    seen.add(key)
  }
  return new ServiceError('validation_failed', { detail: PART[part], errors: list })
}
