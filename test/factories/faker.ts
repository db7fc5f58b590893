import { base, en, Faker } from '@faker-js/faker'

/**
 * A faker instance of its own: the demo seed passes a fixed seed so the same reference time always yields the same
 * data; tests get a fresh random seed per file. Never use faker's global instance (shared state across modules).
 */
export function createFaker(seed: number) {
  const faker = new Faker({ locale: [en, base] })
  faker.seed(seed)
  return faker
}

export type { Faker }

/** Test default: random per process, so no test depends on particular fake values. */
export const testFaker = createFaker(Math.floor(Math.random() * 2 ** 31))

/** A cuid-shaped id (25 chars, starts with "c") drawn from the given faker, so seeded runs produce the same ids. */
export function fakeId(faker: Faker) {
  return `c${faker.string.alphanumeric({ length: 24, casing: 'lower' })}`
}

let counter = 0
/** A process-unique suffix for values that must not collide inside one test database (emails, SKUs, numbers). */
export function uniqueSuffix() {
  counter += 1
  return `${process.pid.toString(36)}${counter.toString(36)}`
}

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

export function addMs(date: Date, ms: number) {
  return new Date(date.getTime() + ms)
}

/** `start + ms`, but never later than `limit` (and never before `start`). */
export function clampedAfter(start: Date, ms: number, limit: Date) {
  return new Date(Math.max(start.getTime(), Math.min(start.getTime() + ms, limit.getTime())))
}
