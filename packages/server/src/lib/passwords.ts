import { hash, verify, type Options } from '@node-rs/argon2'

/**
 * argon2id with the OWASP Password Storage Cheat Sheet's first configuration: m = 19 MiB,
 * t = 2, p = 1. About 20 ms per hash on one core; tests keep these parameters.
 */
export const ARGON2_OPTIONS: Readonly<Options> = Object.freeze({
  algorithm: 2, // Argon2id (a const enum, which isolatedModules cannot import)
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
})

/** Password length policy (characters, counted as code points). */
export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 128

let dummy: Promise<string> | undefined

/**
 * Hashing and verification, as an object so that tests can count verifications
 * (`vi.spyOn(passwords, 'verify')`) to prove what reached the password check.
 */
export const passwords = {
  hash(password: string): Promise<string> {
    return hash(password, ARGON2_OPTIONS)
  },
  /** Never throws for a malformed stored hash: that is a failed verification. */
  async verify(phc: string, password: string): Promise<boolean> {
    try {
      return await verify(phc, password)
    } catch {
      return false
    }
  },
  /**
   * A hash of a random password with the same parameters, verified when the email is unknown (or
   * the user has no password) so that the answer takes as long as for a wrong password.
   */
  dummyHash(): Promise<string> {
    dummy ??= hash(crypto.randomUUID(), ARGON2_OPTIONS)
    return dummy
  },
}
