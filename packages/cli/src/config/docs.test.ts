import { readFileSync } from 'node:fs'
import { CONFIG_KEYS, defaultConfig, envName } from '@keygate/server'
import { describe, expect, it } from 'vitest'

const DOC = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8')

describe('docs/configuration.md', () => {
  it('has a row for every key with its variable, its aliases and its default', () => {
    const defaults = defaultConfig() as unknown as Record<string, unknown>
    for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
      const row = DOC.split('\n')
        .filter((line) => line.startsWith(`| \`${key}\` `))
        .at(-1)
      expect(row, key).toBeDefined()
      expect(row).toContain(`\`${envName(key)}\``)
      for (const alias of spec.aliases ?? []) expect(row).toContain(`\`${alias}\``)
      let value: unknown = defaults
      for (const segment of key.split('.')) value = (value as Record<string, unknown>)[segment]
      expect(row).toContain(value === undefined ? '| —' : `\`${JSON.stringify(value)}\``)
    }
  })
})
