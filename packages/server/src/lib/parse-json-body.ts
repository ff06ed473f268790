import { ServiceError } from './errors.js'

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])

function findForbiddenKey(value: unknown, path: string, depth: number): string | undefined {
  if (depth > 32) return path
  if (value === null || typeof value !== 'object') return undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findForbiddenKey(value[i], `${path}/${i}`, depth + 1)
      if (found !== undefined) return found
    }
    return undefined
  }
  for (const key of Object.keys(value)) {
    const here = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`
    if (FORBIDDEN.has(key)) return here
    const found = findForbiddenKey((value as Record<string, unknown>)[key], here, depth + 1)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * The JSON body parser: malformed JSON and keys that could poison a prototype (`__proto__`,
 * `constructor`, `prototype`, at any depth) are `400 validation_failed` before any handler or
 * schema sees the value. An empty body is "no body" (`undefined`).
 *
 * @throws ServiceError (`validation_failed`).
 */
export function parseJSONBody(text: string): unknown {
  if (text.trim() === '') return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ServiceError('validation_failed', {
      detail: 'The request body is not valid JSON',
      errors: [{ path: '', message: 'malformed JSON' }],
    })
  }
  const forbidden = findForbiddenKey(value, '', 0)
  if (forbidden !== undefined) {
    throw new ServiceError('validation_failed', {
      detail: 'The request body is invalid',
      errors: [{ path: forbidden, message: 'forbidden key' }],
    })
  }
  return value
}
