import type { z } from 'zod'
import type { World } from '../data.ts'
import type { EffectKind } from '../effects.ts'

/** What every provider module gets from the server: the clock, the seeded world and the webhook sender. */
export type SandboxContext = {
  now: () => Date
  /** Simulation randomness (seeded): order contents, tracking exceptions, stock movements. Faults use `random`. */
  world: World
  emit: (provider: string, type: string, data: unknown) => void
}

export type RouteInput = { params: Record<string, string>; query: URLSearchParams; body: unknown }
export type RouteAnswer = { status: number; body: unknown }

export type Route = {
  method: 'GET' | 'POST'
  /** Below the provider, e.g. `/payments/:id/capture`. */
  path: string
  /**
   * A state-changing POST: needs `idempotency-key`, its body is validated with `schema` before `handle` runs, and a
   * 2xx answer is one effect of `kind` on `reference(body)` in the effects log.
   */
  mutation?: { kind: EffectKind; schema: z.ZodTypeAny; reference: (body: never) => string }
  handle: (input: RouteInput) => RouteAnswer
}

export type ProviderModule = {
  name: string
  routes: Route[]
  /** The provider's records and counters as plain JSON (Maps as arrays, timestamps as ISO strings), for the state file. */
  snapshot(): unknown
  /** Replaces the state with a snapshot's; throws (state untouched) when `data` does not fit. */
  restore(data: unknown): void
}
