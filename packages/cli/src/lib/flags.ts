import type { CommandInput } from './command.js'
import { UsageError } from './errors.js'

/**
 * A whole-number flag, or undefined when absent.
 *
 * @throws UsageError `--<name> must be a whole number`.
 */
export function integerFlag(input: CommandInput, name: string): number | undefined {
  const value = input.values[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) {
    throw new UsageError(`--${name} must be a whole number`)
  }
  return Number(value)
}

/**
 * A string flag the command cannot do without.
 *
 * @throws UsageError `--<name> is required`.
 */
export function requiredFlag(input: CommandInput, name: string): string {
  const value = input.values[name]
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`)
  return value
}
