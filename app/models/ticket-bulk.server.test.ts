import type { Job } from 'bullmq'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { cancelBulkOperation, getBulkOperation, listBulkItems } from '#app/models/bulk-operation.server.ts'
import { bulkJobId, type BulkJobData } from '#app/queues/bulk.server.ts'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createTicket, createUser } from '#test/factories/index.ts'
import { uniqueSuffix } from '#test/factories/faker.ts'
import { createBulkProcessor } from '#workers/bulk/processor.ts'
import type { Actor } from './ticket-actions.server.ts'
import { createTicketBulkOperation } from './ticket-bulk.server.ts'
import { createTeam } from './ticket-team.server.ts'

/**
 * Bulk actions on tickets as tracked jobs on the orders' bulk machinery: "all N matching" a tickets-list URL (as its
 * starter sees the view), per-row results with the rules' reasons, audit, role checks, round-robin in turn, and the
 * job run through the bulk worker's own processor.
 */

afterAll(async () => {
  await closeQueues()
})

const processor = createBulkProcessor(pino({ level: 'silent' }))
async function runJob(operationId: string) {
  const job = { name: 'run', data: { operationId }, attemptsMade: 0, opts: { attempts: 5 }, id: bulkJobId(operationId) } as unknown as Job<BulkJobData>
  return processor(job)
}

let sam: Actor
let ana: Actor
let mia: Actor
let ops: Actor
beforeAll(async () => {
  const make = async (role: Actor['role'], name: string) => ({ id: (await createUser(prisma, { role, name })).user.id, role })
  ;[sam, ana, mia, ops] = await Promise.all([make('support', 'Sam Bulk'), make('support', 'Ana Bulk'), make('manager', 'Mia Bulk'), make('operations', 'Oli Bulk')])
})

/** Tickets tagged with a tag unique to the test, so "all matching ?tag=…" is exactly them. */
async function tagged(count: number, overrides: Parameters<typeof createTicket>[1] = {}) {
  const tag = `bulk-${uniqueSuffix()}`.toLowerCase()
  const tickets = []
  for (let i = 0; i < count; i++) {
    const { ticket } = await createTicket(prisma, { status: 'open', assigneeId: sam.id, ...overrides })
    await prisma.ticket.update({ where: { id: ticket.id }, data: { tags: [tag] } })
    tickets.push(ticket)
  }
  return { tag, tickets }
}

async function start(input: Omit<Parameters<typeof createTicketBulkOperation>[0], 'actor'>, actor: Actor = sam) {
  const result = await createTicketBulkOperation({ ...input, actor })
  if (!result.ok) throw new Error(`not created: ${result.message}`)
  return result.operation
}

describe('bulk actions on tickets', () => {
  test('close on "all N matching": every matching ticket, per-row results with reasons, audit, progress counters', async () => {
    const { tag, tickets } = await tagged(5)
    await prisma.ticket.update({ where: { id: tickets[0]!.id }, data: { status: 'closed' } })
    // A ticket outside the filter stays as it is.
    const outside = (await createTicket(prisma, { status: 'open', assigneeId: sam.id })).ticket

    const operation = await start({ kind: 'close', selection: { query: { view: 'all', tag, after: 'ignored-cursor' } }, params: {} })
    expect(operation.total).toBe(5)
    expect(await runJob(operation.id)).toMatchObject({ outcome: 'completed' })

    const stored = await prisma.ticket.findMany({ where: { id: { in: [...tickets.map((t) => t.id), outside.id] } }, select: { id: true, status: true } })
    expect(stored.filter((t) => t.id !== outside.id).every((t) => t.status === 'closed')).toBe(true)
    expect(stored.find((t) => t.id === outside.id)!.status).toBe('open')
    const view = await getBulkOperation(operation.id, sam)
    expect(view).toMatchObject({ status: 'completed', total: 5, processed: 5, succeeded: 4, skipped: 1, failed: 0 })
    const items = await listBulkItems({ operationId: operation.id, outcome: 'skipped' })
    expect(items.rows).toEqual([expect.objectContaining({ entityId: tickets[0]!.id, reason: 'Already closed' })])
    // One audit entry for the operation, and each ticket's own change audited by the ticket action.
    expect(await prisma.auditLog.count({ where: { action: 'bulk-close:ticket', entityId: operation.id } })).toBe(1)
    expect(await prisma.auditLog.count({ where: { action: 'update:ticket.status', entityId: { in: tickets.map((t) => t.id) }, requestId: `bulk-${operation.id}` } })).toBe(4)
  })

  test('"My open" means the starter’s tickets; tag and team+agent assignment apply to each', async () => {
    const { tag, tickets } = await tagged(3)
    const anas = await tagged(2, { assigneeId: ana.id })
    await prisma.ticket.updateMany({ where: { id: { in: anas.tickets.map((t) => t.id) } }, data: { tags: [tag] } })
    const operation = await start({ kind: 'tag', selection: { query: { view: 'mine', tag } }, params: { add: ['Needs Review'], remove: [] } }, ana)
    expect(operation.total).toBe(2)
    await runJob(operation.id)
    const tagsOf = async (ids: string[]) => (await prisma.ticket.findMany({ where: { id: { in: ids } }, select: { tags: true } })).map((t) => t.tags)
    expect(await tagsOf(anas.tickets.map((t) => t.id))).toEqual([
      [tag, 'needs-review'],
      [tag, 'needs-review'],
    ])
    expect(await tagsOf(tickets.map((t) => t.id))).toEqual([[tag], [tag], [tag]])

    const billing = (await createTeam({ name: `Billing ${uniqueSuffix()}`, memberIds: [ana.id] }, { actor: mia }))!
    const assign = await start({ kind: 'assign', selection: { ids: tickets.map((t) => t.id) }, params: { teamId: billing.id, assigneeId: ana.id } })
    await runJob(assign.id)
    expect(await prisma.ticket.findMany({ where: { id: { in: tickets.map((t) => t.id) } }, select: { teamId: true, assigneeId: true } })).toEqual(
      tickets.map(() => ({ teamId: billing.id, assigneeId: ana.id })),
    )
  })

  test('round-robin deals the matching tickets out in turn among the chosen agents', async () => {
    const { tag, tickets } = await tagged(4, { assigneeId: null, status: 'new' })
    const agents = [sam.id, ana.id]
    const operation = await start({ kind: 'round_robin', selection: { query: { view: 'unassigned', tag } }, params: { agentIds: agents } })
    await runJob(operation.id)
    const assigned = await prisma.ticket.findMany({ where: { id: { in: tickets.map((t) => t.id) } }, orderBy: { id: 'asc' }, select: { assigneeId: true } })
    const counts = new Map<string, number>()
    for (const row of assigned) counts.set(row.assigneeId!, (counts.get(row.assigneeId!) ?? 0) + 1)
    expect(counts).toEqual(new Map([...agents].sort().map((id) => [id, 2])))
    // In id order (the job's order) the agents alternate.
    expect(assigned[0]!.assigneeId).not.toBe(assigned[1]!.assigneeId)
    expect(assigned[1]!.assigneeId).not.toBe(assigned[2]!.assigneeId)
  })

  test('refusals: roles without update:ticket, nothing matching, a bad filter, nobody to assign to; cancel stops it', async () => {
    for (const actor of [mia, ops]) {
      expect(await createTicketBulkOperation({ kind: 'close', selection: { ids: ['x'] }, params: {}, actor })).toMatchObject({ ok: false, status: 403 })
    }
    expect(await createTicketBulkOperation({ kind: 'close', selection: { query: { view: 'all', tag: 'no-such-tag-anywhere' } }, params: {}, actor: sam })).toMatchObject({
      ok: false,
      status: 400,
      message: 'No tickets match this view.',
    })
    expect(await createTicketBulkOperation({ kind: 'close', selection: { query: { view: 'nope' } }, params: {}, actor: sam })).toMatchObject({ ok: false, status: 400 })
    expect(await createTicketBulkOperation({ kind: 'round_robin', selection: { ids: ['x'] }, params: { agentIds: [] }, actor: sam })).toMatchObject({ ok: false, status: 400 })
    expect(await createTicketBulkOperation({ kind: 'export', selection: { ids: ['x'] }, params: {}, actor: sam })).toMatchObject({ ok: false, status: 400 })

    const { tag, tickets } = await tagged(2)
    const operation = await start({ kind: 'close', selection: { query: { view: 'all', tag } }, params: {} })
    expect(await cancelBulkOperation(operation.id, sam)).toEqual({ ok: true })
    expect(await runJob(operation.id)).toMatchObject({ outcome: 'nothing to do' })
    expect((await prisma.ticket.findMany({ where: { id: { in: tickets.map((t) => t.id) } }, select: { status: true } })).map((t) => t.status)).toEqual(['open', 'open'])
  })
})
