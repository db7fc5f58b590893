import { z } from 'zod'

/**
 * "Simulate a flash sale" (issue 7): the storefront's order generator runs at its rate × `multiplier` for `minutes`,
 * then returns to the rate it had. The control API reports what was sent — orders created per minute (by their
 * `created_at`, which OpsDeck imports as `placedAt`) — so the /live dashboard's orders/min can be checked against it.
 */

export const FlashSaleSchema = z
  .object({
    multiplier: z.number().min(1).max(100),
    /** Fractions allowed (0.25 = 15 s) so tests and demos stay short. */
    minutes: z.number().min(0.05).max(120),
    /** The base rate to multiply (default: the generator's current rate). */
    ordersPerMinute: z.number().min(0).max(6000).optional(),
  })
  .strict()
export type FlashSaleInput = z.infer<typeof FlashSaleSchema>

const MAX_RATE = 6000
const MINUTE_MS = 60_000

export type FlashSaleState = {
  active: boolean
  multiplier: number
  minutes: number
  baseOrdersPerMinute: number
  ordersPerMinute: number
  startedAt: string
  endsAt: string
  endedAt: string | null
  /** Orders the storefront created from the start to the end (or now). */
  ordersSent: number
  /** Every order created in each minute the sale touched (base-rate orders included), oldest first. */
  perMinute: Array<{ minute: string; orders: number }>
}

export type FlashSaleOptions = {
  now: () => Date
  rate: () => number
  setRate: (ordersPerMinute: number) => void
  /** `created_at` of every storefront order. */
  createdAt: () => Iterable<string>
}

export function createFlashSale(options: FlashSaleOptions) {
  let sale: { input: FlashSaleInput; base: number; rate: number; startedAt: Date; endsAt: Date; endedAt: Date | null } | null = null
  let timer: NodeJS.Timeout | undefined

  function end() {
    if (!sale || sale.endedAt) return
    if (timer) clearTimeout(timer)
    timer = undefined
    sale.endedAt = options.now()
    options.setRate(sale.base)
  }

  function state(): FlashSaleState | null {
    if (!sale) return null
    const until = (sale.endedAt ?? options.now()).getTime()
    const from = sale.startedAt.getTime()
    const firstMinute = Math.floor(from / MINUTE_MS) * MINUTE_MS
    const counts = new Map<number, number>()
    let sent = 0
    for (const created of options.createdAt()) {
      const t = Date.parse(created)
      if (t >= from && t <= until) sent += 1
      if (t >= firstMinute && t < Math.floor(until / MINUTE_MS) * MINUTE_MS + MINUTE_MS) {
        const minute = Math.floor(t / MINUTE_MS) * MINUTE_MS
        counts.set(minute, (counts.get(minute) ?? 0) + 1)
      }
    }
    const perMinute: FlashSaleState['perMinute'] = []
    for (let minute = firstMinute; minute <= until; minute += MINUTE_MS) {
      perMinute.push({ minute: new Date(minute).toISOString(), orders: counts.get(minute) ?? 0 })
    }
    return {
      active: sale.endedAt === null,
      multiplier: sale.input.multiplier,
      minutes: sale.input.minutes,
      baseOrdersPerMinute: sale.base,
      ordersPerMinute: sale.rate,
      startedAt: sale.startedAt.toISOString(),
      endsAt: sale.endsAt.toISOString(),
      endedAt: sale.endedAt?.toISOString() ?? null,
      ordersSent: sent,
      perMinute,
    }
  }

  return {
    /** Starts a sale (ending one still running first: its base rate is kept). */
    start(input: FlashSaleInput) {
      const base = sale && !sale.endedAt ? sale.base : options.rate()
      end()
      const rate = Math.min(MAX_RATE, (input.ordersPerMinute ?? base) * input.multiplier)
      const startedAt = options.now()
      sale = { input, base, rate, startedAt, endsAt: new Date(startedAt.getTime() + input.minutes * MINUTE_MS), endedAt: null }
      options.setRate(rate)
      timer = setTimeout(end, input.minutes * MINUTE_MS)
      timer.unref()
      return state()!
    },
    end,
    state,
    close() {
      if (timer) clearTimeout(timer)
    },
  }
}
