import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freshDir, json, run } from '../../test/run-keygate.js'

describe('keygate config check', () => {
  it('on a broken file: exit 1, one line per bad key naming where it came from', async () => {
    const cwd = freshDir()
    writeFileSync(
      join(cwd, 'keygate.config.json'),
      JSON.stringify({
        port: 70000,
        tokens: { maxDays: 0, colour: 'red' },
        scopes: { runs: { roles: ['user'] } },
        nope: true,
      }),
    )
    const result = await run(['config', 'check'], {
      cwd,
      env: { KEYGATE_BODY_LIMIT: 'big', KEYGATE_TOKEN_PREFX: 'x' },
    })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr.trimEnd().split('\n').sort()).toEqual(
      [
        'keygate: config: bodyLimit must be an integer (from KEYGATE_BODY_LIMIT)',
        'keygate: config: nope is not a known option (from keygate.config.json)',
        'keygate: config: port must be an integer between 0 and 65535 (from keygate.config.json)',
        'keygate: config: scopes.runs is not a resource:action scope name (from keygate.config.json)',
        'keygate: config: tokens.colour is not a known option (from keygate.config.json)',
        'keygate: config: tokens.maxDays must be an integer between 1 and 365 (from keygate.config.json)',
        'keygate: warning: KEYGATE_TOKEN_PREFX is not a configuration variable (did you mean KEYGATE_TOKENS_PREFIX?)',
      ].sort(),
    )

    const machine = await run(['config', 'check', '--json'], { cwd })
    expect(machine.code).toBe(1)
    const body = json<{
      valid: boolean
      errors: { key: string; source: string | null; message: string }[]
    }>(machine)
    expect(body.valid).toBe(false)
    expect(body.errors).toContainEqual({
      key: 'port',
      source: 'keygate.config.json',
      message: 'must be an integer between 0 and 65535',
    })
  })

  it('a file that is not JSON, and a named file that does not exist', async () => {
    const cwd = freshDir()
    writeFileSync(
      join(cwd, 'broken.json'),
      '{\n  "tokens": { "pepper": "hunter2-hunter2-hunter2" },\n  "port": ,\n}\n',
    )
    const [broken, missing] = await Promise.all([
      run(['config', 'check', '--config', 'broken.json'], { cwd }),
      run(['config', 'check'], { cwd, env: { KEYGATE_CONFIG: 'missing.json' } }),
    ])
    expect(broken.code).toBe(1)
    expect(broken.stderr).toMatch(
      /^keygate: config: broken\.json is not valid JSON( at line 3, column \d+)?\n$/,
    )
    expect(broken.stderr).not.toContain('hunter2')
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'keygate: config: cannot read missing.json (ENOENT)\n',
    })
  })

  it('prints the effective configuration with its sources, secrets masked: flags > env > file', async () => {
    const cwd = freshDir()
    writeFileSync(
      join(cwd, 'keygate.config.json'),
      JSON.stringify({
        port: 8080,
        host: '0.0.0.0',
        tokens: { pepper: 'file-pepper-file-pepper' },
        database: { url: 'postgres://keygate:db-s3cret@db.internal:5432/keygate' },
      }),
    )
    const env = {
      KEYGATE_PORT: '9090',
      KEYGATE_REDIS_URL: 'redis://:redis-s3cret@cache:6379/0',
      KEYGATE_EXTERNAL_AUTH_INTERNAL_TOKEN: 'i'.repeat(40),
    }
    const human = await run(['config', 'check', '--port', '7070'], { cwd, env })
    expect(human.code).toBe(0)
    expect(human.stdout).toContain(
      `The configuration is valid (file: ${join(cwd, 'keygate.config.json')}).`,
    )
    const rows = new Map(
      human.stdout
        .split('\n')
        .slice(3)
        .filter((l) => l !== '')
        .map((l) => {
          const [key, value, source] = l.split(/ {2,}/)
          return [key, { value, source }] as const
        }),
    )
    expect(rows.get('port')).toEqual({ value: '7070', source: '--port' })
    expect(rows.get('host')).toEqual({ value: '0.0.0.0', source: 'keygate.config.json' })
    expect(rows.get('realm')).toEqual({ value: 'keygate', source: 'default' })
    expect(rows.get('tokens.pepper')).toEqual({ value: '****', source: 'keygate.config.json' })
    expect(rows.get('database.url')).toEqual({
      value: 'postgres://keygate:****@db.internal:5432/keygate',
      source: 'keygate.config.json',
    })
    expect(rows.get('redis.url')).toEqual({
      value: 'redis://:****@cache:6379/0',
      source: 'KEYGATE_REDIS_URL',
    })
    expect(rows.get('externalAuth.internalToken')).toEqual({
      value: '****',
      source: 'KEYGATE_EXTERNAL_AUTH_INTERNAL_TOKEN',
    })
    expect(rows.get('database.schema')).toEqual({ value: '(unset)', source: 'default' })
    for (const secret of ['file-pepper', 'db-s3cret', 'redis-s3cret', 'iiiiiiii']) {
      expect(human.stdout + human.stderr).not.toContain(secret)
    }

    const machine = await run(['config', 'check', '--json'], { cwd, env })
    expect(machine.code).toBe(0)
    const body = json<{
      valid: boolean
      file: string
      config: Record<string, unknown>
      sources: Record<string, string>
      warnings: string[]
    }>(machine)
    expect(body).toMatchObject({
      valid: true,
      file: join(cwd, 'keygate.config.json'),
      config: { port: 9090, tokens: { pepper: '****' }, database: { schema: null } },
      sources: { port: 'KEYGATE_PORT', host: 'keygate.config.json' },
      warnings: [],
    })
    expect(machine.stdout).not.toContain('s3cret')
  })
})
