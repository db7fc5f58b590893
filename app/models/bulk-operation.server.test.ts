import { readFile } from 'node:fs/promises'
import type { Job } from 'bullmq'
import { pino } from 'pino'
import { afterAll, describe, expect, test } from 'vitest'
import { BULK_QUEUE, bulkJobId, getBulkQueue, type BulkJobData } from '#app/queues/bulk.server.ts'
import { closeQueues, createWorker } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createOrder } from '#test/factories/orders.ts'
import { uniqueSuffix } from '#test/factories/faker.ts'
import { createUser } from '#test/factories/users.ts'
import { outcomeOf } from '#workers/bulk/actions.ts'
import { createBulkProcessor } from '#workers/bulk/processor.ts'
import {
  cancelBulkOperation,
  createBulkOperation,
  formatMinorUnits,
  getBulkOperation,
  getExportFile,
  listBulkItems,
  listBulkOperations,
  ORDER_EXPORT_HEADER,
  type BulkActor,
} from './bulk-operation.server.ts'

/**
 * Bulk operations against the real database and the real per-row actions (order-actions.server.ts): the request
 * part (validation, permission, row + audit + job) and the job part (run through the worker's processor).
 */

afterAll(async () => {
  await closeQueues()
})

const log = pino({ level: 'silent' })
const processor = createBulkProcessor(log)

/** Runs the operation's job in this process, like a worker would (attempt `attempt` of 5). */
async function runJob(operationId: string, attempt = 0) {
  const job = { name: 'run', data: { operationId }, attemptsMade: attempt, opts: { attempts: 5 }, id: bulkJobId(operationId) } as unknown as Job<BulkJobData>
  return processor(job)
}

async function actor(role: 'operations' | 'admin' | 'support' | 'manager' = 'operations'): Promise<BulkActor> {
  const { user } = await createUser(prisma, { role })
  return { id: user.id, role: user.role }
}

async function started(input: Parameters<typeof createBulkOperation>[0]) {
  const result = await createBulkOperation(input)
  if (!result.ok) throw new Error(`not created: ${result.message} ${JSON.stringify(result.fieldErrors ?? {})}`)
  return result.operation
}

async function operationRow(id: string) {
  return prisma.bulkOperation.findUniqueOrThrow({ where: { id } })
}

async function items(id: string) {
  return prisma.bulkOperationItem.findMany({ where: { operationId: id }, orderBy: { id: 'asc' }, select: { entityId: true, outcome: true, reason: true } })
}

describe('createBulkOperation', () => {
  test('refuses what the role may not do, bad params and empty selections; writes nothing then', async () => {
    const support = await actor('support')
    const order = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
    const before = await prisma.bulkOperation.count()

    const forbidden = await createBulkOperation({ kind: 'cancel', selection: { ids: [order.order.id] }, params: { reason: 'fraud' }, actor: support })
    expect(forbidden).toMatchObject({ ok: false, status: 403 })
    const ops = await actor('operations')
    expect(await createBulkOperation({ kind: 'cancel', selection: { ids: [order.order.id] }, params: {}, actor: ops })).toMatchObject({
      ok: false,
      status: 400,
      fieldErrors: { reason: expect.any(String) },
    })
    expect(await createBulkOperation({ kind: 'tag', selection: { ids: [order.order.id] }, params: { add: [], remove: [] }, actor: ops })).toMatchObject({ ok: false, status: 400 })
    expect(await createBulkOperation({ kind: 'tag', selection: { ids: [] }, params: { add: ['x'] }, actor: ops })).toMatchObject({ ok: false, status: 400 })
    expect(await createBulkOperation({ kind: 'explode', selection: { ids: [order.order.id] }, params: {}, actor: ops })).toMatchObject({ ok: false, status: 400 })
    expect(await createBulkOperation({ kind: 'tag', selection: { query: { tags: `none-${uniqueSuffix()}` } }, params: { add: ['x'] }, actor: ops })).toMatchObject({
      ok: false,
      status: 400,
      message: 'No orders match this filter.',
    })
    expect(await createBulkOperation({ kind: 'tag', selection: { query: { status: 'exploded' } }, params: { add: ['x'] }, actor: ops })).toMatchObject({ ok: false, status: 400 })
    expect(await prisma.bulkOperation.count()).toBe(before)

    // Support may export (read:order).
    const exported = await createBulkOperation({ kind: 'export', selection: { ids: [order.order.id] }, params: {}, actor: support })
    expect(exported).toMatchObject({ ok: true, operation: { kind: 'export', total: 1 } })
  })

  test('writes the operation, an audit entry and one job, and returns at once', async () => {
    const ops = await actor()
    const a = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
    const operation = await started({ kind: 'tag', selection: { ids: [a.order.id, a.order.id] }, params: { add: ['VIP Customer'] }, actor: ops, requestId: 'req-1' })
    expect(operation.total).toBe(1)
    const row = await operationRow(operation.id)
    expect(row).toMatchObject({ status: 'queued', kind: 'tag', actorId: ops.id, params: { add: ['vip-customer'], remove: [] }, selection: { ids: [a.order.id] } })
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { entityType: 'bulk_operation', entityId: operation.id } })
    expect(audit).toMatchObject({ actorId: ops.id, action: 'bulk-tag:order', requestId: 'req-1' })
    const job = await getBulkQueue().getJob(bulkJobId(operation.id))
    expect(job?.data).toEqual({ operationId: operation.id })
  })
})

describe('running a bulk action', () => {
  test('{ids}: every row gets a result; an illegal transition is skipped with the rule’s reason; counters add up', async () => {
    const ops = await actor()
    const open = await Promise.all([1, 2].map(() => createOrder(prisma, { status: 'confirmed', paymentStatus: 'authorized', fulfillmentStatus: 'unfulfilled' })))
    const cancelled = await createOrder(prisma, { status: 'cancelled', paymentStatus: 'voided', fulfillmentStatus: 'unfulfilled' })
    const ids = [open[0]!.order.id, cancelled.order.id, open[1]!.order.id, 'c-no-such-order']
    const operation = await started({ kind: 'cancel', selection: { ids }, params: { reason: 'Customer asked' }, actor: ops })

    expect(await runJob(operation.id)).toMatchObject({ outcome: 'completed' })
    const row = await operationRow(operation.id)
    expect(row).toMatchObject({ status: 'completed', total: 4, processed: 4, succeeded: 2, skipped: 2, failed: 0, error: null })
    expect(row.startedAt).toBeInstanceOf(Date)
    expect(row.finishedAt).toBeInstanceOf(Date)
    const results = new Map((await items(operation.id)).map((item) => [item.entityId, item]))
    expect(results.get(open[0]!.order.id)).toMatchObject({ outcome: 'succeeded', reason: null })
    expect(results.get(open[1]!.order.id)).toMatchObject({ outcome: 'succeeded' })
    expect(results.get(cancelled.order.id)?.outcome).toBe('skipped')
    expect(results.get(cancelled.order.id)?.reason).toMatch(/cancel/i)
    expect(results.get('c-no-such-order')).toMatchObject({ outcome: 'skipped', reason: 'The order no longer exists' })
    const statuses = await prisma.order.findMany({ where: { id: { in: ids } }, select: { status: true, cancelReason: true } })
    expect(statuses.every((order) => order.status === 'cancelled')).toBe(true)
    // The per-row action wrote its own audit entry, tagged with the operation.
    expect(await prisma.auditLog.count({ where: { entityId: open[0]!.order.id, action: { contains: 'cancel' } } })).toBe(1)

    // The results page reads them back, filterable by outcome, with order numbers.
    const skipped = await listBulkItems({ operationId: operation.id, outcome: 'skipped' })
    expect(skipped.rows.map((item) => item.number).sort()).toEqual([cancelled.order.number, null].sort())
  })

  test('{query}: "all N matching" resolves the filter in the job and tags every match, nothing else', async () => {
    const ops = await actor()
    const marker = `batch-${uniqueSuffix()}`.toLowerCase()
    const matching = await Promise.all(Array.from({ length: 7 }, () => createOrder(prisma, { tags: [marker], status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })))
    const other = await createOrder(prisma, { tags: ['other'], status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
    // Pagination params in the URL never narrow "all matching".
    const operation = await started({ kind: 'tag', selection: { query: { tags: marker, limit: '2', after: 'whatever' } }, params: { add: ['checked'] }, actor: ops })
    expect(operation.total).toBe(7)
    expect((await operationRow(operation.id)).selection).toEqual({ query: { tags: marker } })

    await runJob(operation.id)
    expect(await operationRow(operation.id)).toMatchObject({ status: 'completed', total: 7, processed: 7, succeeded: 7, skipped: 0, failed: 0 })
    const tagged = await prisma.order.findMany({ where: { id: { in: matching.map((graph) => graph.order.id) } }, select: { tags: true } })
    expect(tagged.every((order) => order.tags.includes('checked') && order.tags.includes(marker))).toBe(true)
    expect((await prisma.order.findUniqueOrThrow({ where: { id: other.order.id }, select: { tags: true } })).tags).toEqual(['other'])
  })

  test('idempotent: a retry after a crash does not redo recorded rows, and a rerun changes nothing', async () => {
    const ops = await actor()
    const graphs = await Promise.all(Array.from({ length: 5 }, () => createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled', tags: [] })))
    const ids = graphs.map((graph) => graph.order.id)
    const operation = await started({ kind: 'tag', selection: { ids }, params: { add: ['resumed'] }, actor: ops })
    // An earlier attempt recorded the first two rows (as if it died right after): their orders were not touched
    // here, so if the retry redid them they would get the tag.
    await prisma.bulkOperation.update({ where: { id: operation.id }, data: { status: 'running', processed: 2, succeeded: 2 } })
    await prisma.bulkOperationItem.createMany({ data: ids.slice(0, 2).map((entityId) => ({ operationId: operation.id, entityId, outcome: 'succeeded' as const })) })

    await runJob(operation.id, 1)
    expect(await operationRow(operation.id)).toMatchObject({ status: 'completed', processed: 5, succeeded: 5, skipped: 0, failed: 0, total: 5 })
    const tags = new Map((await prisma.order.findMany({ where: { id: { in: ids } }, select: { id: true, tags: true } })).map((order) => [order.id, order.tags]))
    expect(ids.map((id) => tags.get(id))).toEqual([[], [], ['resumed'], ['resumed'], ['resumed']])
    expect(await items(operation.id)).toHaveLength(5)

    // The same job delivered again after completion: nothing to do, nothing counted twice.
    expect(await runJob(operation.id, 2)).toMatchObject({ outcome: 'nothing to do' })
    // Even forced to run again (status reopened), every row is already recorded: counters stay.
    await prisma.bulkOperation.update({ where: { id: operation.id }, data: { status: 'running' } })
    await runJob(operation.id, 3)
    expect(await operationRow(operation.id)).toMatchObject({ status: 'completed', processed: 5, succeeded: 5 })
    expect(await items(operation.id)).toHaveLength(5)
  })

  test('already tagged and refused rows are skipped with the reason; a deleted assignee is refused in the action’s words', async () => {
    const ops = await actor()
    const fresh = await createOrder(prisma, { tags: [], status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
    const already = await createOrder(prisma, { tags: ['gift'], status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
    const full = await createOrder(prisma, { tags: Array.from({ length: 20 }, (_, i) => `t${i}`), status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
    const operation = await started({ kind: 'tag', selection: { ids: [fresh.order.id, already.order.id, full.order.id] }, params: { add: ['gift'] }, actor: ops })
    await runJob(operation.id)
    expect(await operationRow(operation.id)).toMatchObject({ status: 'completed', processed: 3, succeeded: 1, skipped: 2, failed: 0 })
    const results = new Map((await items(operation.id)).map((item) => [item.entityId, item]))
    expect(results.get(already.order.id)).toMatchObject({ outcome: 'skipped', reason: 'Already tagged like that' })
    expect(results.get(full.order.id)?.reason).toMatch(/at most 20 tags/)

    // A row whose action throws something unexpected: assign to a user deleted after the operation was created.
    const { user: gone } = await createUser(prisma, { role: 'operations' })
    const assign = await started({ kind: 'assign', selection: { ids: [fresh.order.id] }, params: { assigneeId: gone.id }, actor: ops })
    await prisma.user.delete({ where: { id: gone.id } })
    await runJob(assign.id)
    expect(await operationRow(assign.id)).toMatchObject({ status: 'completed', processed: 1, succeeded: 0 })
    expect((await items(assign.id))[0]).toMatchObject({ outcome: 'skipped', reason: 'That person does not exist' })
  })

  test('an operation cancelled meanwhile stops at the next chunk and stays cancelled', async () => {
    const ops = await actor()
    const graph = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
    const operation = await started({ kind: 'tag', selection: { ids: [graph.order.id] }, params: { add: ['late'] }, actor: ops })
    const other = await actor()
    expect(await cancelBulkOperation(operation.id, other)).toMatchObject({ ok: false, status: 404 })
    expect(await cancelBulkOperation(operation.id, ops)).toEqual({ ok: true })
    expect(await cancelBulkOperation(operation.id, ops)).toMatchObject({ ok: false, status: 409 })
    expect(await runJob(operation.id)).toMatchObject({ outcome: 'nothing to do' })
    expect(await operationRow(operation.id)).toMatchObject({ status: 'cancelled', processed: 0 })
    expect((await prisma.order.findUniqueOrThrow({ where: { id: graph.order.id }, select: { tags: true } })).tags).not.toContain('late')
  })

  test('the last failed attempt marks the operation failed with a readable error', async () => {
    const ops = await actor()
    const graph = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
    const operation = await started({ kind: 'tag', selection: { ids: [graph.order.id] }, params: { add: ['x'] }, actor: ops })
    // The actor lost their account before the job ran.
    await prisma.user.update({ where: { id: ops.id }, data: { disabledAt: new Date() } })
    await expect(runJob(operation.id)).rejects.toThrow(/no longer has an active account/)
    expect(await operationRow(operation.id)).toMatchObject({ status: 'failed', error: 'The person who started this no longer has an active account.' })
  })

  test('through the real queue: a bulk worker picks the job up and completes it', async () => {
    const ops = await actor()
    const graph = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
    const worker = createWorker(BULK_QUEUE, processor, { concurrency: 1 })
    try {
      const operation = await started({ kind: 'tag', selection: { ids: [graph.order.id] }, params: { add: ['queued'] }, actor: ops })
      await expect.poll(async () => (await operationRow(operation.id)).status, { timeout: 15_000, interval: 100 }).toBe('completed')
      expect(await operationRow(operation.id)).toMatchObject({ processed: 1, succeeded: 1 })
    } finally {
      await worker.close()
    }
  })
})

describe('export', () => {
  test('writes a CSV of the selection (header + one row per order, RFC 4180), readable only by its actor or an admin', async () => {
    const support = await actor('support')
    const marker = `exp-${uniqueSuffix()}`.toLowerCase()
    const graphs = []
    for (let index = 0; index < 3; index++) {
      graphs.push(
        await createOrder(prisma, {
          tags: [marker, 'b'],
          totalAmount: 1234 + index,
          placedAt: new Date(Date.UTC(2026, 10, 1 + index)),
          customer: { id: (await prisma.customer.create({ data: { email: `c${index}-${marker}@x.test`, name: index === 0 ? 'Smith, "Jo"' : '=cmd' } })).id, email: `c${index}-${marker}@x.test`, name: index === 0 ? 'Smith, "Jo"' : '=cmd' },
        }),
      )
    }
    const operation = await started({ kind: 'export', selection: { query: { tags: marker, sort: 'placedAt', dir: 'asc' } }, params: {}, actor: support })
    await runJob(operation.id)
    const row = await operationRow(operation.id)
    expect(row).toMatchObject({ status: 'completed', total: 3, processed: 3 })
    expect(row.filePath).toMatch(new RegExp(`${operation.id}\\.csv$`))

    const file = await getExportFile(operation.id, support)
    expect(file).toMatchObject({ ready: true })
    const text = await readFile((file as { filePath: string }).filePath, 'utf8')
    expect(Number(row.fileBytes)).toBe(Buffer.byteLength(text))
    const lines = text.split('\r\n')
    expect(lines[0]).toBe(ORDER_EXPORT_HEADER.join(','))
    expect(lines.at(-1)).toBe('')
    expect(lines).toHaveLength(5)
    expect(lines.slice(1, 4).map((line) => line.split(',')[0])).toEqual(graphs.map((graph) => graph.order.number))
    expect(lines[1]).toContain('"Smith, ""Jo"""')
    expect(lines[2]).toContain(",'=cmd,")
    expect(lines[1]).toContain(`,${formatMinorUnits(1234, graphs[0]!.order.currency)},${marker};b,`)

    expect(await getExportFile(operation.id, await actor('operations'))).toBeNull()
    expect(await getExportFile(operation.id, await actor('admin'))).toMatchObject({ ready: true })
    expect(await getBulkOperation(operation.id, await actor('operations'))).toBeNull()
  })

  test('money in the currency’s own decimals', () => {
    expect(formatMinorUnits(1234, 'GBP')).toBe('12.34')
    expect(formatMinorUnits(5, 'EUR')).toBe('0.05')
    expect(formatMinorUnits(-250, 'USD')).toBe('-2.50')
    expect(formatMinorUnits(1234, 'JPY')).toBe('1234')
    expect(formatMinorUnits(1234, 'KWD')).toBe('1.234')
  })
})

test('a row whose action throws something unexpected is failed with the error, not skipped', async () => {
  const result = { id: 'o', status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled', version: 2, changed: true } as const
  expect(await outcomeOf('o1', 'tag', async () => result as never)).toEqual({ entityId: 'o1', outcome: 'succeeded' })
  expect(await outcomeOf('o1', 'cancel', async () => ({ ...result, changed: false }) as never)).toEqual({ entityId: 'o1', outcome: 'skipped', reason: 'Nothing to change' })
  expect(
    await outcomeOf('o2', 'ship', async () => {
      throw new Error('connection terminated unexpectedly')
    }),
  ).toEqual({ entityId: 'o2', outcome: 'failed', reason: 'connection terminated unexpectedly' })
})

test('exports older than the retention are deleted and stop offering a download; fresh ones stay', async () => {
  const { mkdir, utimes, writeFile, access } = await import('node:fs/promises')
  const path = await import('node:path')
  const { pruneExports } = await import('#workers/bulk/export.ts')
  const { exportDirectory, EXPORT_RETENTION_MS } = await import('./bulk-operation.server.ts')
  const ops = await actor()
  const graph = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
  const old = await started({ kind: 'export', selection: { ids: [graph.order.id] }, params: {}, actor: ops })
  await runJob(old.id)
  const oldFile = (await operationRow(old.id)).filePath!
  const fresh = await started({ kind: 'export', selection: { ids: [graph.order.id] }, params: {}, actor: ops })
  await runJob(fresh.id)
  const directory = exportDirectory()
  await mkdir(directory, { recursive: true })
  const stray = path.join(directory, 'crashed.csv.part')
  await writeFile(stray, 'x')
  const longAgo = new Date(Date.now() - EXPORT_RETENTION_MS - 60_000)
  await utimes(stray, longAgo, longAgo)
  await prisma.bulkOperation.update({ where: { id: old.id }, data: { finishedAt: longAgo } })

  await pruneExports(directory)
  await expect(access(oldFile)).rejects.toThrow()
  await expect(access(stray)).rejects.toThrow()
  await expect(access((await operationRow(fresh.id)).filePath!)).resolves.toBeUndefined()
  expect(await getExportFile(old.id, ops)).toMatchObject({ ready: false })
  expect(await getBulkOperation(old.id, ops)).toMatchObject({ hasFile: false, status: 'completed' })
})

test('a stored filter that no longer parses fails the operation at once, with the reason', async () => {
  const ops = await actor()
  const marker = `gone-${uniqueSuffix()}`.toLowerCase()
  await createOrder(prisma, { tags: [marker], status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
  const operation = await started({ kind: 'tag', selection: { query: { tags: marker } }, params: { add: ['x'] }, actor: ops })
  await prisma.bulkOperation.update({ where: { id: operation.id }, data: { selection: { query: { status: 'exploded' } } } })
  await expect(runJob(operation.id)).rejects.toThrow(/not valid any more/)
  expect(await operationRow(operation.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^the saved filter is not valid any more: /) })
})

test('"all matching" keeps the view’s sort: rows are acted on, and exported, in the order the person saw them', async () => {
  const ops = await actor()
  const marker = `sorted-${uniqueSuffix()}`.toLowerCase()
  // Totals out of step with placing time, so the default order (newest first) differs from the chosen one.
  const totals = [4_000, 1_000, 3_000, 2_000]
  const graphs: Array<Awaited<ReturnType<typeof createOrder>>> = []
  for (const [index, totalAmount] of totals.entries()) {
    graphs.push(await createOrder(prisma, { tags: [marker], totalAmount, placedAt: new Date(Date.UTC(2026, 9, 1 + index)), status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' }))
  }
  const byTotal = (dir: 1 | -1) => [...graphs].sort((a, b) => dir * (a.order.totalAmount - b.order.totalAmount)).map((graph) => graph.order.id)

  const tag = await started({ kind: 'tag', selection: { query: { tags: marker, sort: 'totalAmount', dir: 'asc' } }, params: { add: ['sorted'] }, actor: ops })
  expect((await operationRow(tag.id)).selection).toEqual({ query: { tags: marker, sort: 'totalAmount', dir: 'asc' } })
  await runJob(tag.id)
  // Results are recorded in processing order (item ids ascend).
  expect((await listBulkItems({ operationId: tag.id })).rows.map((row) => row.entityId)).toEqual(byTotal(1))

  const exported = await started({ kind: 'export', selection: { query: { tags: marker, sort: 'totalAmount', dir: 'desc' } }, params: {}, actor: ops })
  await runJob(exported.id)
  const file = (await getExportFile(exported.id, ops)) as { filePath: string }
  const ids = (await readFile(file.filePath, 'utf8')).split('\r\n').slice(1).filter(Boolean).map((line) => line.split(',').at(-1))
  expect(ids).toEqual(byTotal(-1))
})

describe('history (listBulkOperations)', () => {
  async function operation(actorId: string, data: { kind?: 'tag' | 'assign' | 'export' | 'cancel'; status?: 'completed' | 'failed' | 'running'; createdAt: Date; params?: object; area?: 'orders' | 'tickets' }) {
    return prisma.bulkOperation.create({
      data: {
        area: data.area ?? 'orders',
        kind: data.kind ?? 'tag',
        status: data.status ?? 'completed',
        actorId,
        selection: { ids: ['a', 'b', 'c'] },
        params: data.params ?? { add: ['x'], remove: [] },
        total: 3,
        processed: 3,
        succeeded: 2,
        skipped: 1,
        createdAt: data.createdAt,
        finishedAt: data.createdAt,
      },
      select: { id: true },
    })
  }

  test('a person sees their own, newest first, keyset-paged across equal times; an admin sees everyone’s; filters and names', async () => {
    const ana = await actor('operations')
    const bo = await actor('support')
    const admin = await actor('admin')
    const { user: assignee } = await createUser(prisma, { role: 'operations', name: 'Ada Assignee' })
    const base = Date.UTC(2030, 0, 1) + Math.floor(Math.random() * 1_000) * 60_000 // this test's own minutes
    const same = new Date(base + 5_000)
    const mine = [
      await operation(ana.id, { createdAt: new Date(base + 1_000) }),
      await operation(ana.id, { createdAt: same, kind: 'assign', params: { assigneeId: assignee.id } }),
      await operation(ana.id, { createdAt: same, kind: 'export', params: {}, status: 'failed' }),
      await operation(ana.id, { createdAt: new Date(base + 9_000), kind: 'cancel', params: { reason: 'dupes' } }),
    ]
    const theirs = await operation(bo.id, { createdAt: new Date(base + 7_000), kind: 'export', params: {} })
    // Another area's operation (tickets) never shows here.
    await operation(ana.id, { createdAt: new Date(base + 8_000), area: 'tickets' })

    const expected = [mine[3]!.id, ...[mine[1]!.id, mine[2]!.id].sort().reverse(), mine[0]!.id]
    const pages: string[][] = []
    let after: string | undefined
    do {
      const page = await listBulkOperations({ viewer: ana, take: 2, after })
      pages.push(page.rows.map((row) => row.id))
      after = page.nextCursor ?? undefined
    } while (after)
    expect(pages).toEqual([expected.slice(0, 2), expected.slice(2, 4)])

    const first = await listBulkOperations({ viewer: ana })
    expect(first.rows.find((row) => row.kind === 'assign')).toMatchObject({ assigneeName: 'Ada Assignee', scope: { kind: 'ids', count: 3 }, succeeded: 2, skipped: 1, failed: 0 })
    // Asking for everyone's without being an admin still lists one's own.
    expect((await listBulkOperations({ viewer: ana, everyone: true })).rows.map((row) => row.id)).toEqual(expected)
    expect((await listBulkOperations({ viewer: ana, kind: 'export' })).rows.map((row) => row.id)).toEqual([mine[2]!.id])
    expect((await listBulkOperations({ viewer: ana, status: 'failed' })).rows.map((row) => row.id)).toEqual([mine[2]!.id])

    const all = (await listBulkOperations({ viewer: admin, everyone: true, take: 100 })).rows
    const ids = all.map((row) => row.id)
    expect(ids).toEqual(expect.arrayContaining([...expected, theirs.id]))
    expect(ids.indexOf(theirs.id)).toBe(ids.indexOf(mine[3]!.id) + 1)
    expect(all.find((row) => row.id === theirs.id)?.actorName).toBe((await prisma.user.findUniqueOrThrow({ where: { id: bo.id } })).name)
    expect((await listBulkOperations({ viewer: admin })).rows.map((row) => row.id)).not.toContain(theirs.id)
    // A malformed cursor reads as the first page.
    expect((await listBulkOperations({ viewer: ana, after: 'not-a-cursor' })).rows.map((row) => row.id)).toEqual(expected)
  })
})
