import { afterAll, beforeAll, expect, test } from 'vitest'
import { listSyncRuns, searchJobs } from '#app/models/integration.server.ts'
import { closeQueues } from '#app/queues/connection.server.ts'
import { enqueueSyncNow, getIntegrationQueue, scheduleIntegrationJobs, schedulerIds, SYNC_RESOURCES } from '#app/queues/integrations.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createReturn } from '#test/factories/index.ts'
import { startConnectorEngine } from '#test/helpers/connector-harness.ts'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'
import { carrierConnector } from './index.ts'
import { ReturnLabelSchema } from './schemas.ts'

/**
 * Return parcels tracked by the carrier, through the real engine against the sandbox: the label bought for an approved
 * return is tracked; when the carrier has the parcel (webhook or pull) the return moves to in transit, once, audited
 * as the system; delivery back does not receive it; a label for another return, or a cancelled return, changes nothing.
 * `return_labels` is one of the carrier's SYNC_RESOURCES: scheduled, in "Sync now", in the run log and the job search.
 */

let sandbox: TestSandbox
let engine: Awaited<ReturnType<typeof startConnectorEngine>>
let api: ReturnType<typeof sandboxApi>
const ADDRESS = { name: 'Ada Lovelace', line1: '12 Analytical Row', line2: null, city: 'London', postalCode: 'N1 9GU', country: 'GB' }

beforeAll(async () => {
  sandbox = await startSandbox()
  api = sandboxApi(sandbox)
  engine = await startConnectorEngine(carrierConnector, sandbox)
})
afterAll(async () => {
  await closeQueues()
  await sandbox?.close()
})

async function labelledReturn() {
  const { ret, order } = await createReturn(prisma, { status: 'approved' })
  await prisma.order.update({ where: { id: order.order.id }, data: { shippingAddress: ADDRESS } })
  await engine.effect('carrier.return-label', { returnId: ret.id }, `carrier.return-label:${ret.id}`)
  const stored = await prisma.return.findUniqueOrThrow({ where: { id: ret.id }, select: { status: true, trackingNumber: true } })
  expect(stored.status).toBe('label_created')
  const list = await (await api.get('/carrier/return-labels?limit=100')).json()
  const label = (list.data as unknown[]).map((item) => ReturnLabelSchema.parse(item)).find((item) => item.reference === ret.id)!
  expect(label).toMatchObject({ status: 'label_created', tracking_number: stored.trackingNumber })
  return { ret, label }
}

test('handed to the carrier → in transit (webhook), audited as the carrier; delivered back does not receive it', async () => {
  const { ret, label } = await labelledReturn()
  await sandbox.control.advanceCarrier(label.id)
  const moved = ReturnLabelSchema.parse({ ...label, status: 'in_transit', updated_at: new Date().toISOString() })
  expect(await engine.webhook('return_label.updated', moved)).toMatchObject({ status: 'completed', event: { status: 'processed' } })
  const stored = await prisma.return.findUniqueOrThrow({ where: { id: ret.id }, select: { status: true, inTransitAt: true, version: true } })
  expect(stored.status).toBe('in_transit')
  const audit = await prisma.auditLog.findMany({ where: { entityType: 'return', entityId: ret.id, action: 'ship:return' } })
  expect(audit).toHaveLength(1)
  expect(audit[0]).toMatchObject({ actorId: null, after: expect.objectContaining({ via: 'carrier', trackingNumber: label.tracking_number }) })
  // The same state again, then delivered: nothing more changes (a person receives the parcel).
  expect(await engine.webhook('return_label.updated', moved)).toMatchObject({ status: 'completed', event: { status: 'ignored' } })
  expect(await engine.webhook('return_label.updated', { ...moved, status: 'delivered' })).toMatchObject({ status: 'completed', event: { status: 'ignored' } })
  expect((await prisma.return.findUniqueOrThrow({ where: { id: ret.id }, select: { status: true, version: true } })).version).toBe(stored.version)
})

test('a pull of /return-labels repairs a missed webhook; cancelled returns and unknown labels are left alone', async () => {
  const { ret, label } = await labelledReturn()
  const other = await labelledReturn()
  await prisma.return.update({ where: { id: other.ret.id }, data: { status: 'cancelled', cancelledAt: new Date(), cancelReason: 'Kept it' } })
  await sandbox.control.advanceCarrier(label.id)
  await sandbox.control.advanceCarrier(other.label.id)
  const job = await engine.pull('return_labels')
  expect(job, JSON.stringify(job)).toMatchObject({ status: 'completed' })
  expect((await prisma.return.findUniqueOrThrow({ where: { id: ret.id } })).status).toBe('in_transit')
  expect((await prisma.return.findUniqueOrThrow({ where: { id: other.ret.id } })).status).toBe('cancelled')
  const unknown = { ...label, id: 'rl_unknown', reference: 'no-such-return', status: 'in_transit' as const }
  expect(await engine.webhook('return_label.updated', unknown)).toMatchObject({ status: 'completed', event: { status: 'ignored' } })
})

test('a return cancelled while its label waited in the outbox: no label is bought and the job completes', async () => {
  const { ret, order } = await createReturn(prisma, { status: 'cancelled' })
  await prisma.order.update({ where: { id: order.order.id }, data: { shippingAddress: ADDRESS } })
  const before = (await sandbox.control.effects({ provider: 'carrier', kind: 'return_label' })).effects.length
  const job = await engine.effect('carrier.return-label', { returnId: ret.id }, `carrier.return-label:${ret.id}`)
  expect(job).toMatchObject({ status: 'completed' })
  expect(job.summary).toMatch(/was cancelled before its label was bought/)
  expect((await sandbox.control.effects({ provider: 'carrier', kind: 'return_label' })).effects.length).toBe(before)
  expect((await prisma.return.findUniqueOrThrow({ where: { id: ret.id } })).trackingNumber).toBeNull()
})

test('return_labels is a carrier sync resource: scheduled pull and reconcile, "Sync now", run log and job search', async () => {
  // The connector and the queue contract list the same resources (a resource missing from SYNC_RESOURCES is never
  // pulled on the schedule; one missing from the connector fails every scheduled pull).
  expect([...SYNC_RESOURCES.carrier].sort()).toEqual(Object.keys(carrierConnector.resources).sort())
  expect(SYNC_RESOURCES.carrier).toContain('return_labels')

  const { ret, label } = await labelledReturn()
  await sandbox.control.advanceCarrier(label.id)
  const queue = getIntegrationQueue('carrier')
  // The worker's schedule, as workers/index.ts registers it (an `every` scheduler runs its first job at once).
  await scheduleIntegrationJobs(['carrier'], { syncEveryMs: 3_600_000, reconcileEveryMs: 3_600_000 })
  try {
    const ids = (await queue.getJobSchedulers()).map((scheduler) => scheduler.key)
    expect(ids).toEqual(expect.arrayContaining([schedulerIds.pull('return_labels'), schedulerIds.reconcile('return_labels')]))
    await expect.poll(async () => (await prisma.return.findUniqueOrThrow({ where: { id: ret.id } })).status, { timeout: 15_000 }).toBe('in_transit')
    await expect
      .poll(async () => [...new Set((await listSyncRuns({ key: 'carrier', take: 50 })).rows.filter((run) => run.kind.startsWith('return_labels.') && run.status === 'succeeded').map((run) => run.kind))].sort(), { timeout: 15_000 })
      .toEqual(['return_labels.pull', 'return_labels.reconcile'])
  } finally {
    for (const resource of SYNC_RESOURCES.carrier) {
      await queue.removeJobScheduler(schedulerIds.pull(resource))
      await queue.removeJobScheduler(schedulerIds.reconcile(resource))
    }
  }
  // The job that moved the return is found by the return's number and id (RecordLink, written once the job is done).
  for (const q of [ret.number, ret.id]) {
    await expect.poll(async () => (await searchJobs({ key: 'carrier', q })).rows.map((row) => row.jobId), { timeout: 10_000, message: q }).toContainEqual(expect.stringMatching(/return_labels/))
  }
  // "Sync now" pulls every resource, return labels included.
  const jobs = await enqueueSyncNow('carrier')
  expect(jobs.map((job) => job.data)).toEqual(expect.arrayContaining([{ resource: 'shipments' }, { resource: 'return_labels' }]))
})
