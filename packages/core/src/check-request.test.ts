import { describe, expect, it } from 'vitest'
import { adapterAuthenticator } from './adapter-options.js'
import { adapterKit, validateGateScopes } from './adapter-kit.js'
import { headersFromRaw, type AuthRequest } from './auth-request.js'
import type { AuthResult, Verdict } from './authenticator.js'
import { problemIdOf, withAuthenticate } from './check-request.js'
import { createAuthenticator } from './create-authenticator.js'
import { fixed, gate, principal } from '../test/authenticator-fixtures.js'
import { KeygateError } from './keygate-error.js'
import { isScope, validateScopes } from './scopes.js'

function request(path = '/things', extra: Partial<AuthRequest> = {}): AuthRequest {
  return { method: 'GET', path, header: headersFromRaw([]), ...extra }
}

function denied(verdict: Verdict): Extract<Verdict, { ok: false }> {
  if (verdict.ok) throw new Error('expected a refusal')
  return verdict
}

describe('Authenticator.check', () => {
  it('authenticates once per memo, then only checks scopes', async () => {
    const strategy = fixed('s', () => principal('u1', { scopes: ['a'] }))
    const { authenticator, decisions } = gate({ strategies: [strategy] })
    const memo = {}
    expect(await authenticator.check(request(), [], memo)).toMatchObject({
      ok: true,
      principal: { subject: 'u1' },
    })
    expect(await authenticator.check(request(), ['a'], memo)).toMatchObject({ ok: true })
    const refused = denied(await authenticator.check(request(), ['b'], memo))
    expect(strategy.calls).toBe(1)
    expect(refused.error.code).toBe('insufficient_scope')
    expect(refused.problem.status).toBe(403)
    expect(refused.problem.headers['www-authenticate']).toContain('scope="b"')
    expect(decisions.map((d) => [d.outcome, d.code])).toEqual([
      ['allow', undefined],
      ['deny', 'insufficient_scope'],
    ])
  })

  it('answers the finished problem: status, headers, body with the request id', async () => {
    const { authenticator } = gate({ strategies: [fixed('s', () => undefined, false)] })
    const verdict = denied(authenticator.check(request('/x', { requestId: 'req-1' })) as Verdict)
    expect(verdict.problem).toMatchObject({
      status: 401,
      headers: {
        'content-type': 'application/problem+json',
        'www-authenticate': 'Bearer realm="api"',
      },
      body: { code: 'missing_credentials', status: 401, request_id: 'req-1' },
    })
    let asked = 0
    const lazy = request('/x', { problemRequestId: () => `lazy-${++asked}` })
    expect(denied(authenticator.check(lazy) as Verdict).problem.body.request_id).toBe('lazy-1')
    const random = denied(authenticator.check(request('/x')) as Verdict).problem.body.request_id
    expect(random).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('computes the lazy request id only for a refusal', () => {
    const { authenticator } = gate({ strategies: [fixed('s', () => principal('u'), false)] })
    let asked = 0
    const verdict = authenticator.check(request('/x', { problemRequestId: () => `${++asked}` }))
    expect(verdict).toMatchObject({ ok: true })
    expect(asked).toBe(0)
  })

  it('stays synchronous when the strategies are, and never trusts another gate’s memo', async () => {
    const open = createAuthenticator({
      strategies: [fixed('unset', () => undefined, false)],
      publicPaths: ['/things'],
      env: {},
    })
    const strict = gate({ strategies: [fixed('s', () => undefined, false)] }).authenticator
    const memo = {}
    const first = open.check(request(), [], memo)
    expect(first).not.toBeInstanceOf(Promise)
    expect(first).toMatchObject({ ok: true, reason: 'public' })
    expect(denied(strict.check(request(), [], memo) as Verdict).error.code).toBe(
      'missing_credentials',
    )
    expect(open.memoKey).not.toBe(strict.memoKey)
  })

  it('reuses a pending authentication for a second call on the same memo', async () => {
    const strategy = fixed('s', () => principal('u1'))
    const { authenticator } = gate({ strategies: [strategy] })
    const memo = {}
    const [a, b] = await Promise.all([
      authenticator.check(request(), [], memo),
      authenticator.check(request(), [], memo),
    ])
    expect([a.ok, b.ok, strategy.calls]).toEqual([true, true, 1])
  })

  it('principal(memo) is the verified principal, and nothing before or after a refusal', async () => {
    const { authenticator } = gate({ strategies: [fixed('s', () => principal('u1'))] })
    const memo = {}
    expect(authenticator.principal(memo)).toBeUndefined()
    const pending = authenticator.check(request(), [], memo)
    expect(authenticator.principal(memo)).toBeUndefined()
    await pending
    expect(authenticator.principal(memo)?.subject).toBe('u1')
    const refused = gate({ strategies: [fixed('s', () => undefined)] }).authenticator
    const other = {}
    await refused.check(request(), [], other)
    expect(refused.principal(other)).toBeUndefined()
  })
})

describe('withAuthenticate', () => {
  it('runs the wrapping authenticate inside check, once per memo', async () => {
    const { authenticator } = gate({ strategies: [fixed('s', () => principal('u1'))] })
    const seen: AuthResult[] = []
    const wrapped = withAuthenticate(authenticator, async (r) => {
      const result = await authenticator.authenticate(r)
      seen.push(result)
      return result
    })
    const memo = {}
    await wrapped.check(request(), [], memo)
    await wrapped.check(request(), [], memo)
    expect(seen).toHaveLength(1)
    expect(wrapped.principal(memo)?.subject).toBe('u1')
    expect(wrapped.respond(undefined).status).toBe(500)
    expect(wrapped.realm).toBe('api')
  })
})

describe('problemIdOf', () => {
  it('prefers requestId, then problemRequestId(), then a random UUID', () => {
    expect(problemIdOf(request('/', { requestId: 'a', problemRequestId: () => 'b' }))).toBe('a')
    expect(problemIdOf(request('/', { problemRequestId: () => 'b' }))).toBe('b')
    expect(problemIdOf(request('/'))).not.toBe(problemIdOf(request('/')))
  })
})

describe('the scope grammar (RFC 6749 §3.3)', () => {
  it('accepts scope tokens and refuses spaces, quotes, backslashes, empty and non-strings', () => {
    for (const ok of ['things:read', 'a', '!#[]~', 'x/y.z']) expect(isScope(ok)).toBe(true)
    for (const bad of ['', 'two words', 'a"b', 'a\\b', 'é', 42, null]) {
      expect(isScope(bad)).toBe(false)
    }
  })

  it('validateScopes copies, freezes and names the bad value', () => {
    const input = ['a']
    const scopes = validateScopes(input, 'here')
    input.push('b')
    expect(scopes).toEqual(['a'])
    expect(Object.isFrozen(scopes)).toBe(true)
    expect(() => validateScopes('a', 'here')).toThrow(
      new TypeError('here must be an array of scopes'),
    )
    expect(() => validateScopes(['a b'], 'here')).toThrow(
      new TypeError('here: "a b" is not a valid scope'),
    )
    expect(validateScopes([], 'here')).toEqual([])
    expect(() => validateScopes([], 'here', { atLeastOne: true })).toThrow(
      new TypeError('here: at least one scope is required'),
    )
  })

  it('validateGateScopes keeps the former message and then applies the grammar', () => {
    const former = new TypeError('requireScopes(): scopes must be one or more non-empty strings')
    expect(() => validateGateScopes([])).toThrow(former)
    expect(() => validateGateScopes([''])).toThrow(former)
    expect(() => validateGateScopes(['two words'])).toThrow(/"two words" is not a valid scope/)
    expect(validateGateScopes(['a'])).toEqual(['a'])
  })
})

describe('adapterAuthenticator', () => {
  const spec = { where: 'x()', functions: ['requestId'], others: ['hook'] }

  it('creates the core authenticator without the adapter’s own options', () => {
    const authenticator = adapterAuthenticator(
      { strategies: [fixed('s', () => undefined)], requestId: () => 'r', hook: false },
      spec,
    )
    expect(typeof authenticator.check).toBe('function')
  })

  it('takes a ready authenticator, and refuses what is not one', () => {
    const { authenticator } = gate({ strategies: [fixed('s', () => undefined)] })
    expect(adapterAuthenticator({ authenticator }, spec)).toBe(authenticator)
    expect(() => adapterAuthenticator({ authenticator: {} }, spec)).toThrow(
      new TypeError('x(): authenticator must come from createAuthenticator()'),
    )
    expect(() =>
      adapterAuthenticator({ authenticator: {} }, { ...spec, badAuthenticator: 'no good' }),
    ).toThrow(new TypeError('x(): no good'))
  })

  it('names a missing options object and a non-function hook', () => {
    expect(() => adapterAuthenticator(null, spec)).toThrow(
      new TypeError('x(): options are required'),
    )
    expect(() =>
      adapterAuthenticator({ strategies: [fixed('s', () => undefined)], requestId: 1 }, spec),
    ).toThrow(new TypeError('x(): requestId must be a function'))
    expect(() => adapterAuthenticator({ strategies: [] }, spec)).toThrow(/strategies/)
  })
})

describe('adapterKit', () => {
  type Req = { id: string }
  const kit = adapterKit<Req>((r) => r)

  it('remembers the gate for the helpers and fails closed without one', async () => {
    const { authenticator } = gate({ strategies: [fixed('s', () => principal('u1'))] })
    const g = { authenticator, toAuthRequest: (r: Req) => request('/x', { requestId: r.id }) }
    const r = { id: 'r1' }
    expect(() => kit.gateOf(r, 'f()')).toThrow(/f\(\): the keygate\(\) middleware must run/)
    expect(kit.getPrincipal(r)).toBeUndefined()
    expect(() => kit.requirePrincipal(r)).toThrow(/requirePrincipal\(\)/)
    await kit.check(g, r, [])
    expect(kit.gateOf(r, 'f()')).toBe(g)
    expect(kit.getPrincipal(r)?.subject).toBe('u1')
    expect(kit.requirePrincipal(r).subject).toBe('u1')
  })

  it('requirePrincipal throws the 401 problem as a KeygateError', async () => {
    const { authenticator } = gate({ strategies: [fixed('s', () => undefined)] })
    const g = { authenticator, toAuthRequest: (r: Req) => request('/x', { requestId: r.id }) }
    const r = { id: 'r2' }
    await kit.check(g, r, [])
    let thrown: unknown
    try {
      kit.requirePrincipal(r)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(KeygateError)
    const error = thrown as KeygateError
    expect([error.status, error.statusCode, error.code, error.expose]).toEqual([
      401,
      401,
      'missing_credentials',
      true,
    ])
    expect(error.headers['content-type']).toBeUndefined()
    expect(error.response()).toMatchObject({
      status: 401,
      headers: { 'content-type': 'application/problem+json' },
      body: { code: 'missing_credentials', request_id: 'r2' },
    })
  })
})
