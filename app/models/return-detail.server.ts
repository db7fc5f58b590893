import type { Prisma } from '#app/generated/prisma/client.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { TimelineEntry } from './order-detail.server.ts'
import { formatMoney } from '#app/utils/money.ts'
import { refundClocks, returnSla } from './return-list.server.ts'
import { REASON_LABELS, STATUS_LABELS } from './return-rules.ts'
import { describeReturnStep } from './return-steps.ts'
import { receivedValue, returnLabelKey } from './return.server.ts'

/**
 * The return page (`/returns/:id`): the RMA with its lines, the order it belongs to, refunds, the ticket it came from,
 * the exchange order, the stock it put back (ledger rows), the refund clock, and a timeline built from the audit log
 * (every step is audited, the carrier's label by the system) plus refunds and restocks as they happened.
 */

/** The order timeline's entry (the page renders it with OrderTimeline): steps are `return`, confirmations `refund`. */
export type ReturnTimelineEntry = TimelineEntry

function asRecord(value: Prisma.JsonValue | null): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

export async function getReturnPage(returnId: string, now = new Date()) {
  const ret = await prisma.return.findUnique({
    where: { id: returnId },
    select: {
      id: true,
      number: true,
      status: true,
      reason: true,
      resolution: true,
      carrier: true,
      trackingNumber: true,
      labelUrl: true,
      note: true,
      ticketId: true,
      requestedAt: true,
      approvedAt: true,
      rejectedAt: true,
      rejectReason: true,
      inTransitAt: true,
      receivedAt: true,
      resolvedAt: true,
      cancelledAt: true,
      cancelReason: true,
      exchangeOrderId: true,
      storeCreditAmount: true,
      updatedAt: true,
      version: true,
      order: {
        select: {
          id: true,
          number: true,
          currency: true,
          customerName: true,
          customerEmail: true,
          status: true,
          paymentStatus: true,
          fulfillmentStatus: true,
          placedAt: true,
        },
      },
      lines: {
        orderBy: { createdAt: 'asc' },
        select: {
          id: true,
          quantityRequested: true,
          quantityReceived: true,
          quantityDamaged: true,
          quantityRestocked: true,
          restockLocationId: true,
          reasonCode: true,
          disposition: true,
          orderLine: { select: { id: true, sku: true, title: true, variantTitle: true, variantId: true, unitPriceAmount: true, quantityOrdered: true, totalAmount: true } },
        },
      },
      refunds: { orderBy: { createdAt: 'asc' }, select: { id: true, amount: true, currency: true, status: true, reason: true, createdAt: true, processedAt: true } },
      ledgerEntries: {
        orderBy: { createdAt: 'asc' },
        select: { id: true, kind: true, onHandDelta: true, createdAt: true, variant: { select: { id: true, sku: true } }, location: { select: { id: true, code: true, name: true } } },
      },
    },
  })
  if (!ret) return null
  const [audit, ticket, exchangeOrder, locations, money, suggested, labelRequest] = await Promise.all([
    prisma.auditLog.findMany({
      where: { entityType: 'return', entityId: returnId },
      orderBy: { id: 'asc' },
      select: { id: true, action: true, after: true, createdAt: true, actor: { select: { name: true, role: true } } },
    }),
    ret.ticketId ? prisma.ticket.findUnique({ where: { id: ret.ticketId }, select: { id: true, number: true, subject: true, status: true } }) : null,
    ret.exchangeOrderId ? prisma.order.findUnique({ where: { id: ret.exchangeOrderId }, select: { id: true, number: true, status: true, fulfillmentStatus: true } }) : null,
    prisma.location.findMany({ where: { isActive: true }, orderBy: { code: 'asc' }, select: { id: true, code: true, name: true } }),
    orderMoney(ret.order.id),
    receivedValue(prisma, returnId),
    prisma.outboxMessage.findUnique({ where: { idempotencyKey: returnLabelKey(returnId) }, select: { status: true, attempts: true, lastError: true } }),
  ])
  const locationName = new Map(locations.map((l) => [l.id, l.code]))
  const currency = ret.order.currency
  const timeline: ReturnTimelineEntry[] = []
  for (const row of audit) {
    timeline.push({ id: `audit:${row.id}`, kind: 'return', at: row.createdAt, ...describeReturnStep(row, { currency, locationName: (id) => locationName.get(id) }) })
  }
  for (const refund of ret.refunds) {
    if (refund.processedAt) {
      timeline.push({
        id: `refund:${refund.id}`,
        kind: 'refund',
        at: refund.processedAt,
        title: refund.status === 'succeeded' ? 'Refund confirmed by the payment gateway' : `Refund ${refund.status}`,
        detail: formatMoney(refund.amount, refund.currency),
        actor: { kind: 'integration', name: 'Payments integration' },
        tone: refund.status === 'succeeded' ? 'success' : 'danger',
      })
    }
  }
  timeline.sort((a, b) => b.at.getTime() - a.at.getTime() || b.id.localeCompare(a.id, 'en', { numeric: true }))

  const approval = audit.find((row) => row.action === 'approve:return')
  return {
    ret: {
      ...ret,
      /** Approved with a carrier label requested (the page waits for it). */
      approvedWithLabel: approval ? asRecord(approval.after).buyLabel !== false : false,
      ledgerEntries: ret.ledgerEntries.map((entry) => ({ ...entry, id: String(entry.id) })),
      lines: ret.lines.map((line) => ({ ...line, reasonLabel: REASON_LABELS[line.reasonCode], restockLocation: line.restockLocationId ? (locationName.get(line.restockLocationId) ?? null) : null })),
      statusLabel: STATUS_LABELS[ret.status],
    },
    ticket,
    exchangeOrder,
    locations,
    /** The carrier label request (outbox row): failed = the carrier refused it for good (see Integrations → carrier). */
    labelRequest,
    money: { ...money, suggestedRefund: Math.min(suggested, money.refundable) },
    sla: returnSla(ret, now, (await refundClocks([ret.id], now)).get(ret.id)),
    timeline,
  }
}
export type ReturnPage = NonNullable<Awaited<ReturnType<typeof getReturnPage>>>

/** Captured, refunded and still refundable on the order (pending refunds count as gone), as the refund path sees it. */
async function orderMoney(orderId: string) {
  const [row] = await prisma.$queryRaw<{ captured: number; gone: number }[]>`
    select coalesce(sum(p."capturedAmount"), 0)::int as captured,
           -- Refunded: what the provider last reported, or the refunds it already confirmed to OpsDeck if more (the
           -- payment row catches up at the next webhook or pull); plus refunds still in flight.
           coalesce(sum(greatest(p."refundedAmount", (select coalesce(sum(r.amount), 0) from "Refund" r where r."paymentId" = p.id and r.status = 'succeeded'))
                        + (select coalesce(sum(r.amount), 0) from "Refund" r where r."paymentId" = p.id and r.status = 'pending')), 0)::int as gone
    from "Payment" p where p."orderId" = ${orderId} and p.status in ('captured', 'partially_refunded', 'refunded')`
  const captured = row?.captured ?? 0
  const gone = row?.gone ?? 0
  return { captured, refunded: gone, refundable: Math.max(0, captured - gone) }
}

/** Other variants of a product (the exchange form's choices), by line. */
export async function exchangeChoices(variantIds: string[]) {
  if (variantIds.length === 0) return []
  const variants = await prisma.productVariant.findMany({ where: { id: { in: variantIds } }, select: { id: true, product: { select: { variants: { orderBy: { position: 'asc' }, select: { id: true, sku: true, title: true } } } } } })
  return variants.map((v) => ({ variantId: v.id, options: v.product.variants }))
}
