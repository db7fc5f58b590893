import { hash, verify, type Algorithm } from '@node-rs/argon2'

/**
 * Argon2id with OWASP's second recommended profile (m=19 MiB, t=2, p=1):
 * https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
 */
// NOTE: `Algorithm` is an ambient const enum, which `isolatedModules` forbids reading as a value; 2 is Argon2id.
const ARGON2ID: Algorithm.Argon2id = 2
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export const MIN_PASSWORD_LENGTH = 12

export function hashPassword(password: string) {
  return hash(password, OPTIONS)
}

export async function verifyPassword(passwordHash: string, password: string) {
  try {
    return await verify(passwordHash, password)
  } catch {
    return false // a malformed stored hash never signs anyone in
  }
}

/**
 * A real hash of a random password, verified against when the account does not exist, so an unknown email takes
 * as long to refuse as a wrong password (no account enumeration by timing).
 */
let decoy: Promise<string> | undefined
export function decoyHash() {
  decoy ??= hashPassword(crypto.randomUUID())
  return decoy
}
