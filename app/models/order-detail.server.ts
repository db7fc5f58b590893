import type { FulfillmentStatus, IntegrationKey, JobRunStatus, Prisma, WebhookEventStatus } from '#app/generated/prisma/client.ts'
import { integrationOfQueue, jobIds } from '#app/queues/integrations.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { formatMoney } from '#app/utils/money.ts'
import { describeReturnStep, restockLocationIds, returnStepVerb } from './return-steps.ts'

/**
 * The order page's case file (`/orders/:id`): one order with everything that happened to it, read in a handful of
 * indexed queries (the order graph by primary key; audit, notes and record links by their (entity, createdAt)
 * indexes; job attempts by (queue, jobId); webhook events by id). Explicit selects only: the page gets what it
 * renders and nothing else (no payloads, no request/response bodies, no password hashes).
 *
 * The timeline merges every source (audit entries by people, notes, payments, refunds, fulfilments, tracking
 * events, returns, tickets, webhooks received and sync jobs) newest first, each with who did it.
 */

/** Linked sync jobs / webhooks shown per kind (the panel says how many more there are). */
export const LINKED_RECORDS_LIMIT = 25
/** Timeline entries shown (newest first); the page says how many older ones there are. */
export const TIMELINE_LIMIT = 150
/** Audit entries read for the timeline (an order edited more than this many times shows the newest). */
const AUDIT_LIMIT = 200

export type AddressView = {
  name: string | null
  company: string | null
  line1: string | null
  line2: string | null
  city: string | null
  region: string | null
  postalCode: string | null
  country: string | null
  phone: string | null
}

export type TimelineActor = { kind: 'person' | 'system' | 'integration' | 'customer' | 'carrier'; name: string; role?: string | null }

export type TimelineEntry = {
  /** Unique within the timeline (`<kind>:<source id>`). */
  id: string
  kind: 'placed' | 'audit' | 'note' | 'payment' | 'refund' | 'fulfilment' | 'tracking' | 'return' | 'ticket' | 'webhook' | 'job' | 'cancelled'
  at: Date
  title: string
  detail: string | null
  actor: TimelineActor
  tone: 'neutral' | 'success' | 'warning' | 'danger' | 'info'
}

const USER_SELECT = { id: true, name: true, role: true } satisfies Prisma.UserSelect

const ORDER_SELECT = {
  id: true,
  number: true,
  status: true,
  paymentStatus: true,
  fulfillmentStatus: true,
  channel: true,
  currency: true,
  subtotalAmount: true,
  discountAmount: true,
  shippingAmount: true,
  taxAmount: true,
  totalAmount: true,
  customerId: true,
  customerEmail: true,
  customerName: true,
  shippingAddress: true,
  billingAddress: true,
  tags: true,
  note: true,
  placedAt: true,
  cancelledAt: true,
  cancelReason: true,
  closedAt: true,
  source: true,
  externalId: true,
  updatedAt: true,
  version: true,
  assignee: { select: USER_SELECT },
  customer: { select: { id: true, name: true, email: true, phone: true, tags: true, _count: { select: { orders: true } } } },
  lines: {
    orderBy: [{ position: 'asc' }, { id: 'asc' }],
    select: {
      id: true,
      position: true,
      sku: true,
      title: true,
      variantTitle: true,
      unitPriceAmount: true,
      discountAmount: true,
      taxAmount: true,
      totalAmount: true,
      quantityOrdered: true,
      quantityFulfilled: true,
      quantityShipped: true,
      quantityReturned: true,
      quantityCancelled: true,
      variant: { select: { id: true, sku: true, title: true, product: { select: { title: true } } } },
    },
  },
  payments: {
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: {
      id: true,
      provider: true,
      externalId: true,
      status: true,
      method: true,
      amount: true,
      currency: true,
      capturedAmount: true,
      refundedAmount: true,
      authorizedAt: true,
      capturedAt: true,
      failureReason: true,
      createdAt: true,
      updatedAt: true,
      externalUpdatedAt: true,
    },
  },
  refunds: {
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: {
      id: true,
      paymentId: true,
      amount: true,
      currency: true,
      reason: true,
      status: true,
      externalId: true,
      processedAt: true,
      createdAt: true,
      createdBy: { select: USER_SELECT },
      return: { select: { id: true, number: true } },
    },
  },
  fulfillments: {
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: {
      id: true,
      status: true,
      carrier: true,
      service: true,
      trackingNumber: true,
      trackingUrl: true,
      shippedAt: true,
      deliveredAt: true,
      createdAt: true,
      location: { select: { code: true, name: true } },
      lines: { select: { orderLineId: true, quantity: true } },
      trackingEvents: {
        orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
        select: { id: true, status: true, description: true, location: true, occurredAt: true },
      },
    },
  },
  returns: {
    orderBy: [{ requestedAt: 'desc' }, { id: 'desc' }],
    select: {
      id: true,
      number: true,
      status: true,
      reason: true,
      resolution: true,
      requestedAt: true,
      receivedAt: true,
      resolvedAt: true,
      lines: { select: { orderLineId: true, quantityRequested: true, quantityReceived: true } },
    },
  },
  tickets: {
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: {
      id: true,
      number: true,
      subject: true,
      status: true,
      priority: true,
      createdAt: true,
      lastMessageAt: true,
      assignee: { select: USER_SELECT },
    },
  },
  notes: {
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: { id: true, body: true, createdAt: true, author: { select: USER_SELECT } },
  },
} satisfies Prisma.OrderSelect

type OrderRow = Prisma.OrderGetPayload<{ select: typeof ORDER_SELECT }>

export type LinkedJob = {
  /** `<queue>/<jobId>`, unique. */
  id: string
  integration: IntegrationKey | null
  queue: string
  jobId: string
  name: string | null
  /** Latest attempt (null when the job was linked but no attempt has been recorded yet). */
  status: JobRunStatus | null
  attempts: number
  summary: string | null
  error: string | null
  finishedAt: Date | null
  linkedAt: Date
  /** Job search on the integration's page for this job id; null for a queue of no integration, or a viewer who may not open it. */
  href: string | null
}

export type LinkedWebhook = {
  id: string
  provider: IntegrationKey
  eventId: string
  topic: string
  status: WebhookEventStatus
  attempts: number
  error: string | null
  receivedAt: Date
  processedAt: Date | null
  /** Its processing job's attempts on the integration's page; null when the viewer may not open that page. */
  href: string | null
}

/**
 * `integrationLinks`: whether the viewer may open the integration pages (`read:integration`); without it the linked
 * jobs and webhooks are listed without links (they would answer 403).
 */
export async function getOrderCaseFile(orderId: string, options: { integrationLinks?: boolean } = {}) {
  const order = await prisma.order.findUnique({ where: { id: orderId }, select: ORDER_SELECT })
  if (!order) return null

  const [audit, returnSteps, links] = await Promise.all([
    prisma.auditLog.findMany({
      where: { entityType: 'order', entityId: orderId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: AUDIT_LIMIT,
      select: { id: true, action: true, before: true, after: true, createdAt: true, actor: { select: USER_SELECT } },
    }),
    getReturnSteps(order),
    getLinkedRecords(orderId, options.integrationLinks ?? true),
  ])

  const lines = order.lines.map((line) => ({
    ...line,
    /** Units still to pick: ordered − cancelled − fulfilled (the fulfil form's default). */
    quantityRemaining: Math.max(0, line.quantityOrdered - line.quantityCancelled - line.quantityFulfilled),
    /** Units fulfilled but not yet on a shipped fulfilment. */
    quantityUnshipped: Math.max(0, line.quantityFulfilled - line.quantityShipped),
  }))

  // Assignments are audited by id: name them (one query for every assignee the log mentions).
  const assigneeIds = new Set<string>()
  for (const row of audit) {
    for (const side of [row.before, row.after]) {
      const id = asRecord(side).assigneeId
      if (typeof id === 'string') assigneeIds.add(id)
    }
  }
  const people = assigneeIds.size
    ? new Map((await prisma.user.findMany({ where: { id: { in: [...assigneeIds] } }, select: { id: true, name: true } })).map((user) => [user.id, user.name]))
    : new Map<string, string>()

  const timeline = buildTimeline(order, audit, returnSteps, links, people)

  return {
    summary: {
      id: order.id,
      number: order.number,
      status: order.status,
      paymentStatus: order.paymentStatus,
      fulfillmentStatus: order.fulfillmentStatus,
      channel: order.channel,
      source: order.source,
      externalId: order.externalId,
      currency: order.currency,
      subtotalAmount: order.subtotalAmount,
      discountAmount: order.discountAmount,
      shippingAmount: order.shippingAmount,
      taxAmount: order.taxAmount,
      totalAmount: order.totalAmount,
      placedAt: order.placedAt,
      updatedAt: order.updatedAt,
      cancelledAt: order.cancelledAt,
      cancelReason: order.cancelReason,
      closedAt: order.closedAt,
      note: order.note,
      tags: order.tags,
      assignee: order.assignee,
      version: order.version,
    },
    customer: {
      id: order.customer?.id ?? null,
      name: order.customer?.name ?? order.customerName,
      email: order.customer?.email ?? order.customerEmail,
      phone: order.customer?.phone ?? null,
      tags: order.customer?.tags ?? [],
      orderCount: order.customer?._count.orders ?? null,
    },
    shippingAddress: toAddress(order.shippingAddress),
    billingAddress: toAddress(order.billingAddress),
    lines,
    payments: order.payments,
    refunds: order.refunds,
    totals: moneyTotals(order),
    fulfillments: order.fulfillments.map((fulfillment) => ({
      ...fulfillment,
      lines: fulfillment.lines.map((fl) => {
        const line = order.lines.find((candidate) => candidate.id === fl.orderLineId)
        return { orderLineId: fl.orderLineId, quantity: fl.quantity, sku: line?.sku ?? null, title: line?.title ?? null }
      }),
      trackingEvents: fulfillment.trackingEvents.map((event) => ({ ...event, id: String(event.id) })),
    })),
    returns: order.returns.map((ret) => ({
      id: ret.id,
      number: ret.number,
      status: ret.status,
      reason: ret.reason,
      resolution: ret.resolution,
      requestedAt: ret.requestedAt,
      receivedAt: ret.receivedAt,
      resolvedAt: ret.resolvedAt,
      units: ret.lines.reduce((sum, line) => sum + line.quantityRequested, 0),
    })),
    tickets: order.tickets,
    notes: order.notes,
    sync: links,
    timeline: { entries: timeline.slice(0, TIMELINE_LIMIT), total: timeline.length },
  }
}

export type OrderCaseFile = NonNullable<Awaited<ReturnType<typeof getOrderCaseFile>>>

/** Captured, refunded (succeeded) and pending refund amounts, and what can still be refunded. */
function moneyTotals(order: OrderRow) {
  const captured = order.payments.reduce((sum, payment) => sum + payment.capturedAmount, 0)
  const refunded = order.refunds.filter((refund) => refund.status === 'succeeded').reduce((sum, refund) => sum + refund.amount, 0)
  const refundPending = order.refunds.filter((refund) => refund.status === 'pending').reduce((sum, refund) => sum + refund.amount, 0)
  return { captured, refunded, refundPending, refundable: Math.max(0, captured - refunded - refundPending) }
}

function toAddress(value: Prisma.JsonValue): AddressView | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null
  const record = value as Record<string, unknown>
  const text = (key: string) => (typeof record[key] === 'string' && (record[key] as string).trim() !== '' ? (record[key] as string) : null)
  return {
    name: text('name'),
    company: text('company'),
    line1: text('line1') ?? text('address1'),
    line2: text('line2') ?? text('address2'),
    city: text('city'),
    region: text('region') ?? text('province'),
    postalCode: text('postalCode') ?? text('zip'),
    country: text('country') ?? text('countryCode'),
    phone: text('phone'),
  }
}

// ─── Return steps ─────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Every step of the order's returns as its timeline entries: the returns' own audit rows (return.server.ts audits
 * each step, the carrier's label and tracking as the system), read by the AuditLog (entityType, entityId, createdAt)
 * index for the order's few returns, in the same words as the return page (return-steps.ts).
 */
type ReturnStepEntry = TimelineEntry & { returnId: string; step: string }

async function getReturnSteps(order: OrderRow): Promise<ReturnStepEntry[]> {
  if (order.returns.length === 0) return []
  const numbers = new Map(order.returns.map((ret) => [ret.id, ret.number]))
  const rows = await prisma.auditLog.findMany({
    where: { entityType: 'return', entityId: { in: [...numbers.keys()] } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: AUDIT_LIMIT,
    select: { id: true, entityId: true, action: true, after: true, createdAt: true, actor: { select: { name: true, role: true } } },
  })
  const exchangeOrderIds = rows.map((row) => asRecord(row.after).exchangeOrderId).filter((id): id is string => typeof id === 'string')
  const locationIds = restockLocationIds(rows)
  const [locations, exchangeOrders] = await Promise.all([
    locationIds.length ? prisma.location.findMany({ where: { id: { in: locationIds } }, select: { id: true, code: true } }) : [],
    exchangeOrderIds.length ? prisma.order.findMany({ where: { id: { in: exchangeOrderIds } }, select: { id: true, number: true } }) : [],
  ])
  const locationCode = new Map(locations.map((location) => [location.id, location.code]))
  const orderNumber = new Map(exchangeOrders.map((exchange) => [exchange.id, exchange.number]))
  const ctx = { currency: order.currency, locationName: (id: string) => locationCode.get(id), orderNumber: (id: string) => orderNumber.get(id) }
  return rows.map((row): ReturnStepEntry => {
    const step = describeReturnStep(row, ctx)
    const number = numbers.get(row.entityId) ?? 'return'
    return {
      id: `return-step:${row.id}`,
      kind: 'return',
      at: row.createdAt,
      // "Return requested" → "Return RMA-7 requested"; "Approved" → "Return RMA-7: Approved".
      title: step.title.startsWith('Return ') ? `Return ${number} ${step.title.slice('Return '.length)}` : `Return ${number}: ${step.title}`,
      detail: step.detail,
      actor: step.actor,
      tone: step.tone,
      returnId: row.entityId,
      step: returnStepVerb(row.action),
    }
  })
}

// ─── Sync jobs and webhooks that touched the order ────────────────────────────────────────────────────────────────

async function getLinkedRecords(orderId: string, withLinks: boolean) {
  const where = { entityType: 'order', entityId: orderId }
  const [jobLinks, webhookLinks, counts] = await Promise.all([
    prisma.recordLink.findMany({
      where: { ...where, sourceType: 'job' },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: LINKED_RECORDS_LIMIT,
      select: { sourceId: true, createdAt: true },
    }),
    prisma.recordLink.findMany({
      where: { ...where, sourceType: 'webhook' },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: LINKED_RECORDS_LIMIT,
      select: { sourceId: true, createdAt: true },
    }),
    prisma.recordLink.groupBy({ by: ['sourceType'], where, _count: { _all: true } }),
  ])
  const countOf = (type: 'job' | 'webhook') => counts.find((row) => row.sourceType === type)?._count._all ?? 0

  const jobKeys = jobLinks.map((link) => {
    const slash = link.sourceId.indexOf('/')
    return { id: link.sourceId, queue: link.sourceId.slice(0, Math.max(0, slash)), jobId: link.sourceId.slice(slash + 1), linkedAt: link.createdAt }
  })
  const webhookIds = webhookLinks.map((link) => link.sourceId)

  const [attempts, events] = await Promise.all([
    jobKeys.length === 0
      ? []
      : prisma.jobRun.findMany({
          // (queue, jobId) pairs: each uses the JobRun (queue, jobId) index.
          where: { OR: jobKeys.map((key) => ({ queue: key.queue, jobId: key.jobId })) },
          orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }],
          select: { queue: true, jobId: true, name: true, attempt: true, status: true, summary: true, error: true, finishedAt: true, integration: true },
        }),
    webhookIds.length === 0
      ? []
      : prisma.webhookEvent.findMany({
          where: { id: { in: webhookIds } },
          select: { id: true, provider: true, eventId: true, topic: true, status: true, attempts: true, error: true, receivedAt: true, processedAt: true },
        }),
  ])

  const jobs: LinkedJob[] = jobKeys.map((key) => {
    const runs = attempts.filter((run) => run.queue === key.queue && run.jobId === key.jobId)
    const latest = runs[0]
    const integration = latest?.integration ?? integrationOfQueue(key.queue)
    return {
      id: key.id,
      integration,
      queue: key.queue,
      jobId: key.jobId,
      name: latest?.name ?? null,
      status: latest?.status ?? null,
      attempts: runs.length,
      summary: latest?.summary ?? null,
      error: latest?.error ?? null,
      finishedAt: latest?.finishedAt ?? null,
      linkedAt: key.linkedAt,
      href: integration && withLinks ? integrationSearchHref(integration, key.jobId) : null,
    }
  })
  jobs.sort((a, b) => (b.finishedAt ?? b.linkedAt).getTime() - (a.finishedAt ?? a.linkedAt).getTime())

  const webhooks: LinkedWebhook[] = events
    // The processing job's attempts (job id `webhook-<event id>`; a linked event has been processed at least once).
    .map((event) => ({ ...event, href: withLinks ? integrationSearchHref(event.provider, jobIds.webhook(event.id)) : null }))
    .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime())

  return { jobs, jobCount: countOf('job'), webhooks, webhookCount: countOf('webhook') }
}

/** The integration page's job search for one job id (its attempts, with request/response and errors). */
export function integrationSearchHref(key: IntegrationKey, jobId: string) {
  return `/integrations/${key}?${new URLSearchParams({ view: 'search', q: jobId }).toString()}`
}

// ─── Timeline ─────────────────────────────────────────────────────────────────────────────────────────────────────

type AuditRow = { id: bigint; action: string; before: Prisma.JsonValue; after: Prisma.JsonValue; createdAt: Date; actor: { id: string; name: string; role: string } | null }

const INTEGRATION_NAMES: Record<IntegrationKey, string> = {
  storefront: 'Storefront',
  payments: 'Payment gateway',
  carrier: 'Shipping carrier',
  warehouse: 'Warehouse',
  helpdesk: 'Helpdesk',
}

/** What an audit action on an order reads as in the timeline (`<verb>:order` → words). */
const AUDIT_TITLES: Record<string, string> = {
  confirm: 'Confirmed the order',
  hold: 'Put the order on hold',
  release: 'Released the hold',
  cancel: 'Cancelled the order',
  fulfil: 'Created a fulfilment',
  fulfill: 'Created a fulfilment',
  ship: 'Marked as shipped',
  refund: 'Issued a refund',
  tag: 'Changed the tags',
  assign: 'Changed the assignee',
  update: 'Edited the order',
  create: 'Created the order',
}

const money = formatMoney

const human = (value: string) => value.replaceAll('_', ' ')

function asRecord(value: Prisma.JsonValue): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

function describeAudit(row: AuditRow, order: OrderRow, people: Map<string, string>): { title: string; detail: string | null } {
  const verb = row.action.split(':')[0] ?? row.action
  const before = asRecord(row.before)
  const after = asRecord(row.after)
  const parts: string[] = []
  for (const field of ['status', 'paymentStatus', 'fulfillmentStatus'] as const) {
    if (typeof after[field] === 'string' && before[field] !== after[field]) {
      parts.push(typeof before[field] === 'string' ? `${human(before[field] as string)} → ${human(after[field] as string)}` : human(after[field] as string))
    }
  }
  const reason = after.reason ?? after.cancelReason ?? after.holdReason
  if (typeof reason === 'string' && reason) parts.push(`Reason: ${reason}`)
  if (typeof after.amount === 'number') parts.push(money(after.amount, typeof after.currency === 'string' ? after.currency : order.currency))
  if (typeof after.trackingNumber === 'string') parts.push(`${typeof after.carrier === 'string' ? `${after.carrier} ` : ''}${after.trackingNumber}`)
  if (Array.isArray(after.tags)) {
    const was = new Set(Array.isArray(before.tags) ? (before.tags as string[]) : [])
    const now = new Set(after.tags as string[])
    const added = [...now].filter((tag) => !was.has(tag))
    const removed = [...was].filter((tag) => !now.has(tag))
    if (added.length) parts.push(`+${added.join(', +')}`)
    if (removed.length) parts.push(`−${removed.join(', −')}`)
  }
  if ('assigneeId' in after) {
    const name = (id: unknown) => (typeof id === 'string' ? (people.get(id) ?? 'someone no longer here') : 'nobody')
    parts.push(`${name(before.assigneeId)} → ${name(after.assigneeId)}`)
  }
  if (Array.isArray(after.lines) && verb === 'fulfil') {
    const units = (after.lines as Array<{ quantity?: unknown }>).reduce((sum, line) => sum + (typeof line.quantity === 'number' ? line.quantity : 0), 0)
    parts.push(`${units} unit${units === 1 ? '' : 's'} packed`)
  }
  if (typeof after.releasedUnits === 'number' && after.releasedUnits > 0) parts.push(`${after.releasedUnits} reserved units released`)
  if (Array.isArray(after.voidRequested)) {
    for (const item of after.voidRequested as Array<Record<string, unknown>>) {
      if (typeof item.amount === 'number') parts.push(`void of the ${money(item.amount, typeof item.currency === 'string' ? item.currency : order.currency)} authorization requested`)
    }
  }
  const title = verb === 'ship' && after.via === 'carrier' ? 'Requested a carrier label' : (AUDIT_TITLES[verb] ?? `${human(verb)} (${row.action})`)
  return { title, detail: parts.length ? parts.join(' · ') : null }
}

function buildTimeline(
  order: OrderRow,
  audit: AuditRow[],
  returnSteps: ReturnStepEntry[],
  sync: Awaited<ReturnType<typeof getLinkedRecords>>,
  people: Map<string, string>,
): TimelineEntry[] {
  const entries: TimelineEntry[] = []
  const person = (user: { name: string; role: string } | null | undefined): TimelineActor =>
    user ? { kind: 'person', name: user.name, role: user.role } : { kind: 'system', name: 'OpsDeck' }
  const integration = (key: IntegrationKey): TimelineActor => ({ kind: 'integration', name: INTEGRATION_NAMES[key] })
  const customer: TimelineActor = { kind: 'customer', name: order.customer?.name ?? order.customerName }

  entries.push({
    id: `placed:${order.id}`,
    kind: 'placed',
    at: order.placedAt,
    title: 'Order placed',
    detail: `${human(order.channel)} · ${money(order.totalAmount, order.currency)} · ${order.lines.reduce((sum, line) => sum + line.quantityOrdered, 0)} items`,
    actor: customer,
    tone: 'info',
  })

  // One entry per happening: a note is shown from OrderNote (with its body), a refund from its Refund row, a
  // person's fulfilment from the Fulfillment (with the person from the audit entry), a hand-marked shipment from the
  // audit entry (with the person) rather than as a bare fact.
  const refundIds = new Set(order.refunds.map((refund) => refund.id))
  const fulfilledBy = new Map<string, AuditRow['actor']>()
  const shippedByHand = new Set<string>()
  for (const row of audit) {
    const after = asRecord(row.after)
    if (row.action === 'fulfil:order' && typeof after.fulfillmentId === 'string') fulfilledBy.set(after.fulfillmentId, row.actor)
    if (row.action === 'ship:order' && after.via === 'manual' && Array.isArray(after.fulfillmentIds)) {
      for (const id of after.fulfillmentIds) if (typeof id === 'string') shippedByHand.add(id)
    }
  }
  const auditShown = audit.filter((row) => {
    const verb = row.action.split(':')[0]
    const after = asRecord(row.after)
    if (verb === 'note' || /note$/.test(row.action)) return false
    if (verb === 'refund' && typeof after.refundId === 'string' && refundIds.has(after.refundId)) return false
    if (verb === 'fulfil' && typeof after.fulfillmentId === 'string' && order.fulfillments.some((f) => f.id === after.fulfillmentId)) return false
    return true
  })
  for (const row of auditShown) {
    const { title, detail } = describeAudit(row, order, people)
    const verb = row.action.split(':')[0]
    entries.push({
      id: `audit:${row.id}`,
      kind: 'audit',
      at: row.createdAt,
      title,
      detail,
      actor: person(row.actor),
      tone: verb === 'cancel' ? 'danger' : verb === 'hold' ? 'warning' : verb === 'refund' ? 'warning' : 'neutral',
    })
  }
  if (order.cancelledAt && !audit.some((row) => row.action.startsWith('cancel:'))) {
    entries.push({
      id: `cancelled:${order.id}`,
      kind: 'cancelled',
      at: order.cancelledAt,
      title: 'Order cancelled',
      detail: order.cancelReason ? `Reason: ${order.cancelReason}` : null,
      actor: order.source === 'manual' ? { kind: 'system', name: 'OpsDeck' } : { kind: 'integration', name: order.source === 'storefront' ? 'Storefront' : order.source },
      tone: 'danger',
    })
  }

  for (const note of order.notes) {
    entries.push({ id: `note:${note.id}`, kind: 'note', at: note.createdAt, title: 'Added a note', detail: note.body, actor: person(note.author), tone: 'neutral' })
  }

  for (const payment of order.payments) {
    const actor: TimelineActor = { kind: 'integration', name: payment.provider === 'payments' ? 'Payment gateway' : payment.provider }
    const what = `${money(payment.amount, payment.currency)}${payment.method ? ` by ${human(payment.method)}` : ''}`
    if (payment.authorizedAt) entries.push({ id: `payment-auth:${payment.id}`, kind: 'payment', at: payment.authorizedAt, title: 'Payment authorized', detail: what, actor, tone: 'info' })
    if (payment.capturedAt)
      entries.push({ id: `payment-capture:${payment.id}`, kind: 'payment', at: payment.capturedAt, title: 'Payment captured', detail: money(payment.capturedAmount, payment.currency), actor, tone: 'success' })
    if (payment.status === 'voided')
      entries.push({
        id: `payment-void:${payment.id}`,
        kind: 'payment',
        at: payment.externalUpdatedAt ?? payment.updatedAt,
        title: 'Authorization voided',
        detail: `${money(payment.amount, payment.currency)} released, nothing charged`,
        actor,
        tone: 'neutral',
      })
    if (payment.status === 'failed')
      entries.push({ id: `payment-failed:${payment.id}`, kind: 'payment', at: payment.createdAt, title: 'Payment failed', detail: payment.failureReason, actor, tone: 'danger' })
  }

  for (const refund of order.refunds) {
    entries.push({
      id: `refund:${refund.id}`,
      kind: 'refund',
      at: refund.createdAt,
      title: refund.status === 'failed' ? 'Refund failed' : refund.status === 'pending' ? 'Refund requested' : 'Refunded',
      detail: [money(refund.amount, refund.currency), refund.reason, refund.return ? `for return ${refund.return.number}` : null].filter(Boolean).join(' · '),
      actor: refund.createdBy ? person(refund.createdBy) : { kind: 'integration', name: 'Payment gateway' },
      tone: refund.status === 'failed' ? 'danger' : 'warning',
    })
  }

  for (const [index, fulfillment] of order.fulfillments.entries()) {
    const units = fulfillment.lines.reduce((sum, line) => sum + line.quantity, 0)
    const label = `Fulfilment ${index + 1}`
    entries.push({
      id: `fulfilment:${fulfillment.id}`,
      kind: 'fulfilment',
      at: fulfillment.createdAt,
      title: `${label} created`,
      detail: `${units} unit${units === 1 ? '' : 's'}${fulfillment.location ? ` from ${fulfillment.location.name}` : ''}`,
      actor: fulfilledBy.has(fulfillment.id) ? person(fulfilledBy.get(fulfillment.id)) : { kind: 'system', name: 'OpsDeck' },
      tone: 'neutral',
    })
    if (fulfillment.shippedAt && !shippedByHand.has(fulfillment.id))
      entries.push({
        id: `shipped:${fulfillment.id}`,
        kind: 'fulfilment',
        at: fulfillment.shippedAt,
        title: `${label} shipped`,
        detail: [fulfillment.carrier, fulfillment.trackingNumber].filter(Boolean).join(' ') || null,
        actor: { kind: 'carrier', name: fulfillment.carrier ?? 'Carrier' },
        tone: 'info',
      })
    for (const event of fulfillment.trackingEvents) {
      entries.push({
        id: `tracking:${event.id}`,
        kind: 'tracking',
        at: event.occurredAt,
        title: `${label}: ${event.description}`,
        detail: [human(event.status), event.location].filter(Boolean).join(' · '),
        actor: { kind: 'carrier', name: fulfillment.carrier ?? 'Carrier' },
        tone: trackingTone(event.status),
      })
    }
  }

  // Each return's steps from its audit rows; a return requested before steps were audited (an import) still shows
  // its request, from the return row.
  const requestAudited = new Set(returnSteps.filter((entry) => entry.step === 'request').map((entry) => entry.returnId))
  for (const { returnId: _returnId, step: _step, ...entry } of returnSteps) entries.push(entry)
  for (const ret of order.returns) {
    if (requestAudited.has(ret.id)) continue
    entries.push({
      id: `return:${ret.id}`,
      kind: 'return',
      at: ret.requestedAt,
      title: `Return ${ret.number} requested`,
      detail: ret.reason,
      actor: customer,
      tone: 'warning',
    })
  }
  for (const ticket of order.tickets) {
    entries.push({ id: `ticket:${ticket.id}`, kind: 'ticket', at: ticket.createdAt, title: `Ticket #${ticket.number} opened`, detail: ticket.subject, actor: customer, tone: 'info' })
  }

  for (const event of sync.webhooks) {
    entries.push({
      id: `webhook:${event.id}`,
      kind: 'webhook',
      at: event.receivedAt,
      title: `Webhook ${event.topic} received`,
      detail: `${human(event.status)}${event.error ? ` · ${event.error}` : ''}`,
      actor: integration(event.provider),
      tone: event.status === 'failed' ? 'danger' : 'neutral',
    })
  }
  for (const job of sync.jobs) {
    entries.push({
      id: `job:${job.id}`,
      kind: 'job',
      at: job.finishedAt ?? job.linkedAt,
      title: `Sync job ${job.name ?? job.jobId}${job.status ? ` ${job.status === 'completed' ? 'completed' : human(job.status)}` : ''}`,
      detail: job.error ?? job.summary,
      actor: job.integration ? integration(job.integration) : { kind: 'system', name: job.queue },
      tone: job.status === 'failed' ? 'danger' : job.status === 'retrying' || job.status === 'rate_limited' ? 'warning' : 'neutral',
    })
  }

  // Newest first; equal times in a stable order (numeric ids descending: the later tracking event first).
  return entries.sort((a, b) => b.at.getTime() - a.at.getTime() || b.id.localeCompare(a.id, 'en', { numeric: true }))
}

function trackingTone(status: FulfillmentStatus): TimelineEntry['tone'] {
  if (status === 'delivered') return 'success'
  if (status === 'exception' || status === 'cancelled') return 'danger'
  return 'info'
}

// ─── Who an order can be assigned to ──────────────────────────────────────────────────────────────────────────────

/** Active operations staff and admins (order-actions.server.ts `assignOrder` accepts exactly these), by name. */
export function listOrderAssignees() {
  return prisma.user.findMany({
    where: { role: { in: ['operations', 'admin'] }, disabledAt: null },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    take: 200,
    select: { id: true, name: true, role: true },
  })
}

/** The order's currency (the refund form's amount is typed in its major units), or null for an unknown order. */
export async function getOrderCurrency(orderId: string) {
  const order = await prisma.order.findUnique({ where: { id: orderId }, select: { currency: true } })
  return order?.currency ?? null
}
