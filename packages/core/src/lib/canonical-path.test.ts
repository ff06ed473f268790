import { describe, expect, it } from 'vitest'
import { canonicalPath } from './canonical-path.js'

describe('canonicalPath', () => {
  it.each([
    ['/', '/'],
    ['/health', '/health'],
    ['/v1/things', '/v1/things'],
    ['/health/', '/health/'],
    ['/HEALTH', '/HEALTH'],
    ['/a.b/c..d/.e/..f', '/a.b/c..d/.e/..f'],
    ['/a;b=c', '/a;b=c'],
  ])('keeps the canonical path %s', (target, path) => {
    expect(canonicalPath(target)).toBe(path)
  })

  it.each([
    ['/health?probe=1', '/health'],
    ['/health?', '/health'],
    ['/health?x=/../admin', '/health'],
    ['/health?%2F..', '/health'],
    ['/?a', '/'],
  ])('drops the query of %s', (target, path) => {
    expect(canonicalPath(target)).toBe(path)
  })

  it.each([
    ['a dot-dot segment', '/health/../admin'],
    ['a trailing dot-dot', '/health/..'],
    ['a dot segment', '/./health'],
    ['a trailing dot', '/health/.'],
    ['an encoded slash', '/health%2F..%2Fadmin'],
    ['an encoded letter', '/%68ealth'],
    ['an encoded dot', '/health/%2e%2e/admin'],
    ['any percent sign', '/100%'],
    ['an empty segment', '//health/../x'],
    ['a double slash', '/health//x'],
    ['a leading double slash (scheme-relative)', '//evil.example/health'],
    ['a backslash', '/health\\..\\admin'],
    ['a fragment', '/health#x'],
    ['an empty target', ''],
    ['a relative path', 'health'],
    ['an absolute-form target', 'http://host/health'],
    ['the asterisk form', '*'],
    ['a query only', '?x'],
  ])('refuses %s', (_name, target) => {
    expect(canonicalPath(target)).toBeUndefined()
  })

  it('judges only the path, not the query', () => {
    expect(canonicalPath('/a/../b?c')).toBeUndefined()
    expect(canonicalPath('/a?../b')).toBe('/a')
  })
})
