import { z } from 'zod'

/**
 * The effects log: every state-changing API POST that was applied (not replayed from its idempotency key). The kill
 * test reads it to prove that no capture, refund, label, adjustment or reply happened twice.
 */

export const EFFECT_KINDS = ['capture', 'refund', 'void', 'authorize', 'shipment', 'return_label', 'adjustment', 'reply'] as const
export type EffectKind = (typeof EFFECT_KINDS)[number]

export type Effect = { seq: number; provider: string; kind: EffectKind; reference: string; idempotencyKey: string; at: string }
export type Duplicate = { provider: string; kind: EffectKind; reference: string; count: number }

const EffectSchema = z.object({ provider: z.string(), kind: z.enum(EFFECT_KINDS), reference: z.string() }).passthrough()
const SnapshotSchema = z.object({
  seq: z.number().int().min(0),
  effects: z.array(EffectSchema.extend({ seq: z.number().int() })),
  counts: z.array(EffectSchema.extend({ count: z.number().int().min(1) })),
})

export class EffectsLog {
  private readonly effects: Effect[] = []
  /** Count per provider+kind+reference over the whole run, kept even if the list itself is trimmed. */
  private readonly counts = new Map<string, Duplicate>()
  private seq = 0

  constructor(private readonly max = 200_000) {}

  record(effect: Omit<Effect, 'seq'>) {
    this.seq += 1
    this.effects.push({ seq: this.seq, ...effect })
    if (this.effects.length > this.max) this.effects.splice(0, this.effects.length - this.max)
    const key = countKey(effect)
    const count = this.counts.get(key)
    if (count) count.count += 1
    else this.counts.set(key, { provider: effect.provider, kind: effect.kind, reference: effect.reference, count: 1 })
  }

  /** The log, the per-reference counts and the sequence, for the state file. */
  snapshot() {
    return { seq: this.seq, effects: this.effects, counts: [...this.counts.values()] }
  }

  restore(data: unknown) {
    const snapshot = SnapshotSchema.parse(data)
    this.effects.length = 0
    for (const effect of (snapshot.effects as Effect[]).slice(-this.max)) this.effects.push(effect)
    this.counts.clear()
    for (const count of snapshot.counts as Duplicate[]) this.counts.set(countKey(count), count)
    // A sequence number is never reused, even if the counter and the log disagree.
    this.seq = Math.max(snapshot.seq, this.effects.at(-1)?.seq ?? 0)
  }

  list(filter: { provider?: string; kind?: string } = {}) {
    const matches = (entry: { provider: string; kind: string }) =>
      (!filter.provider || entry.provider === filter.provider) && (!filter.kind || entry.kind === filter.kind)
    return {
      effects: this.effects.filter(matches),
      duplicates: [...this.counts.values()].filter((entry) => entry.count > 1 && matches(entry)),
    }
  }
}

const countKey = (effect: { provider: string; kind: string; reference: string }) => `${effect.provider}\n${effect.kind}\n${effect.reference}`
