import type { Prisma } from '#app/generated/prisma/client.ts'
import { formatMoney } from '#app/utils/money.ts'
import type { TimelineActor, TimelineEntry } from './order-detail.server.ts'
import { RESOLUTION_LABELS } from './return-rules.ts'

/**
 * One return step (an AuditLog row `<action>:return`, return.server.ts audits every step) in words, with who did it.
 * Read by the return's own timeline (return-detail.server.ts) and by the order's case file (order-detail.server.ts),
 * so a step reads the same in both places.
 */

export const RETURN_STEP_TITLES: Record<string, string> = {
  request: 'Return requested',
  approve: 'Approved',
  reject: 'Rejected',
  label: 'Return label created by the carrier',
  ship: 'Marked in transit',
  receive: 'Received',
  dispose: 'Items dealt with',
  resolve: 'Resolved',
  cancel: 'Cancelled',
}

const STEP_TONES: Record<string, TimelineEntry['tone']> = {
  request: 'warning',
  approve: 'info',
  reject: 'danger',
  label: 'info',
  ship: 'info',
  receive: 'warning',
  dispose: 'neutral',
  resolve: 'success',
  cancel: 'danger',
}

export type ReturnAuditRow = { action: string; after: Prisma.JsonValue; actor: { name: string; role: string } | null }

export type ReturnStepContext = {
  /** The order's currency (amounts recorded without one). */
  currency: string
  /** A location's short name for restock lines. */
  locationName: (locationId: string) => string | undefined
  /** The number of an order the step names (an exchange's replacement order), when the caller knows it. */
  orderNumber?: (orderId: string) => string | undefined
}

function asRecord(value: Prisma.JsonValue | null): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

/** The verb of `approve:return`. */
export const returnStepVerb = (action: string) => action.split(':')[0] ?? action

export function describeReturnStep(row: ReturnAuditRow, ctx: ReturnStepContext): { title: string; detail: string | null; actor: TimelineActor; tone: TimelineEntry['tone'] } {
  const verb = returnStepVerb(row.action)
  const after = asRecord(row.after)
  const parts: string[] = []
  if (verb === 'request') {
    if (typeof after.units === 'number') parts.push(`${after.units} unit${after.units === 1 ? '' : 's'}`)
    if (typeof after.note === 'string' && after.note) parts.push(`“${after.note}”`)
  }
  if (typeof after.reason === 'string' && after.reason) parts.push(`Reason: ${after.reason}`)
  if (verb === 'approve') parts.push(after.buyLabel === false ? 'No label (customer ships it their own way)' : 'Return label requested from the carrier')
  if (typeof after.trackingNumber === 'string') parts.push(`${typeof after.carrier === 'string' ? `${after.carrier} ` : ''}${after.trackingNumber}`)
  if (verb === 'receive' && typeof after.units === 'number') parts.push(`${after.units} unit${after.units === 1 ? '' : 's'} back${typeof after.damaged === 'number' && after.damaged > 0 ? `, ${after.damaged} damaged` : ''}`)
  if (verb === 'dispose' && Array.isArray(after.lines)) {
    for (const line of after.lines as Array<Record<string, unknown>>) {
      parts.push(`${String(line.sku)}: ${String(line.disposition)}${line.disposition === 'restock' ? ` ${String(line.restocked)} to ${ctx.locationName(String(line.locationId)) ?? 'a location'}` : ''}`)
    }
  }
  if (verb === 'resolve') {
    if (typeof after.resolution === 'string') parts.unshift(RESOLUTION_LABELS[after.resolution as keyof typeof RESOLUTION_LABELS] ?? after.resolution)
    if (typeof after.amount === 'number') parts.push(formatMoney(after.amount, typeof after.currency === 'string' ? after.currency : ctx.currency))
    const replacement = typeof after.exchangeOrderId === 'string' ? ctx.orderNumber?.(after.exchangeOrderId) : undefined
    if (replacement) parts.push(`replacement order ${replacement}`)
  }
  const actor: TimelineActor = row.actor
    ? { kind: 'person', name: row.actor.name, role: row.actor.role }
    : verb === 'label' || after.via === 'carrier'
      ? { kind: 'carrier', name: 'Carrier integration' }
      : { kind: 'system', name: 'OpsDeck' }
  return {
    title: verb === 'ship' && after.via === 'carrier' ? 'In transit (carrier tracking)' : (RETURN_STEP_TITLES[verb] ?? row.action),
    detail: parts.length ? parts.join(' · ') : null,
    actor,
    tone: STEP_TONES[verb] ?? 'neutral',
  }
}

/** Location ids the steps' restock lines name (to look their names up in one query). */
export function restockLocationIds(rows: readonly ReturnAuditRow[]): string[] {
  const ids = new Set<string>()
  for (const row of rows) {
    if (returnStepVerb(row.action) !== 'dispose') continue
    const lines = asRecord(row.after).lines
    if (Array.isArray(lines)) for (const line of lines as Array<Record<string, unknown>>) if (typeof line.locationId === 'string') ids.add(line.locationId)
  }
  return [...ids]
}
