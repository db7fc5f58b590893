import { randomBytes } from 'node:crypto'
import type { Worker } from 'bullmq'
import { pino } from 'pino'
import type { IntegrationKey } from '#app/generated/prisma/enums.ts'
import { ensureIntegrations } from '#app/models/integration-sync.server.ts'
import { addOutboxMessage, type OutboxTopic } from '#app/models/outbox.server.ts'
import { storeWebhookEvent } from '#app/models/webhook.server.ts'
import { createWorker, enqueue } from '#app/queues/connection.server.ts'
import { enqueueEffect, enqueueWebhookProcessing, getIntegrationQueue, integrationQueueName, jobIds } from '#app/queues/integrations.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { TestSandbox } from '#test/helpers/sandbox.ts'
import type { Connector, JobContext, LinkEntity } from '#workers/integrations/shared/connector.ts'
import { ProviderClient } from '#workers/integrations/shared/http.ts'
import { createIntegrationProcessor } from '#workers/integrations/shared/processor.ts'

/**
 * Test support for the connector tests (payments, carrier, warehouse, helpdesk): the engine's real processor on a
 * real BullMQ worker (the test database's queue backend), with a ProviderClient pointed at a test sandbox. Jobs go
 * in the way production puts them in (a pull job, an inbox row + webhook job, an outbox row + effect job) and the
 * test waits for the JobRun the engine writes.
 */

export type FinishedJob = { status: 'completed' | 'failed'; attempt: number; summary: string | null; error: string | null; jobId: string }

export async function startConnectorEngine(connector: Connector, sandbox: TestSandbox) {
  const key: IntegrationKey = connector.key
  const queue = integrationQueueName(key)
  const client = new ProviderClient({ key, baseUrl: sandbox.providerUrls[key], apiKey: sandbox.apiKey, timeoutMs: 5_000 })
  const log = pino({ level: 'silent' })
  await ensureIntegrations([key])
  const worker: Worker = createWorker(queue, createIntegrationProcessor(connector, log, client))
  await worker.waitUntilReady()

  async function waitForJob(jobId: string, timeoutMs = 15_000): Promise<FinishedJob> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const run = await prisma.jobRun.findFirst({
        where: { queue, jobId, status: { in: ['completed', 'failed'] } },
        orderBy: { id: 'desc' },
        select: { status: true, attempt: true, summary: true, error: true },
      })
      if (run) return { ...(run as Omit<FinishedJob, 'jobId'>), jobId }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    const runs = await prisma.jobRun.findMany({ where: { queue, jobId }, select: { status: true, error: true } })
    throw new Error(`job ${queue}/${jobId} did not finish within ${timeoutMs} ms (runs: ${JSON.stringify(runs)})`)
  }

  return {
    client,
    /** Waits for a job enqueued elsewhere (e.g. an effect a model dispatched after its commit) to finish. */
    waitForJob,
    /** An incremental pull of `resource`, as the schedule runs it. */
    async pull(resource: string) {
      const jobId = `pull-${resource}-test-${randomBytes(4).toString('hex')}`
      await enqueue(getIntegrationQueue(key), 'pull', { resource }, { jobId })
      return waitForJob(jobId)
    },
    /** A verified delivery as the web process stores it: inbox row, then the webhook job. */
    async webhook(type: string, data: Record<string, unknown>, createdAt = new Date()) {
      const envelope = { id: `evt_test_${randomBytes(6).toString('hex')}`, type, created_at: createdAt.toISOString(), data }
      const { id } = await storeWebhookEvent(key, envelope)
      await enqueueWebhookProcessing(key, id)
      const job = await waitForJob(jobIds.webhook(id))
      // The engine marks a failed event after writing the JobRun: wait for the row to settle too.
      let event = await prisma.webhookEvent.findUniqueOrThrow({ where: { id }, select: { status: true, error: true } })
      for (let i = 0; i < 200 && job.status === 'failed' && event.status !== 'failed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25))
        event = await prisma.webhookEvent.findUniqueOrThrow({ where: { id }, select: { status: true, error: true } })
      }
      return { ...job, event }
    },
    /** An effect as a business change records it: outbox row (its idempotency key), then the effect job. */
    async effect(topic: OutboxTopic, payload: Record<string, string>, idempotencyKey: string) {
      const outboxId = await addOutboxMessage(prisma, { topic, payload, idempotencyKey })
      await enqueueEffect(key, outboxId)
      const job = await waitForJob(jobIds.effect(outboxId))
      // The engine marks a failed row after writing the JobRun: wait for the row to settle too.
      let outbox = await prisma.outboxMessage.findUniqueOrThrow({ where: { id: outboxId }, select: { status: true, lastError: true } })
      for (let i = 0; i < 200 && job.status === 'failed' && outbox.status !== 'failed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25))
        outbox = await prisma.outboxMessage.findUniqueOrThrow({ where: { id: outboxId }, select: { status: true, lastError: true } })
      }
      return { ...job, outbox, outboxId }
    },
    /**
     * The same effect handler run again outside the queue, as a redelivered job would (a worker killed after the
     * provider call, before the outbox row was marked sent): same payload, same idempotency key.
     */
    async rerunEffect(topic: OutboxTopic, payload: Record<string, string>, idempotencyKey: string) {
      const links: Array<[LinkEntity, string]> = []
      const ctx: JobContext & { idempotencyKey: string } = {
        key,
        client,
        log,
        jobId: `rerun-${randomBytes(4).toString('hex')}`,
        attempt: 2,
        queue,
        link: (entityType, entityId) => void links.push([entityType, entityId]),
        summarize: () => {},
        idempotencyKey,
      }
      await connector.effects[topic]!(payload, ctx)
      return links
    },
    /** The RecordLinks of a finished job (`job` source) or webhook (`webhook` source, the WebhookEvent id). */
    links(jobId: string) {
      return prisma.recordLink.findMany({ where: { sourceType: 'job', sourceId: `${queue}/${jobId}` }, select: { entityType: true, entityId: true } })
    },
    /** The dead letter of a job that failed for good (written just after its JobRun). */
    async deadLetter(jobId: string) {
      for (let i = 0; i < 200; i++) {
        const dead = await prisma.deadLetter.findFirst({ where: { queue, jobId }, select: { error: true, attempts: true, request: true, response: true } })
        if (dead) return dead
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      throw new Error(`no dead letter for ${queue}/${jobId}`)
    },
    close: () => worker.close(),
  }
}
