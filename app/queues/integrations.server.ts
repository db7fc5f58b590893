import { UnrecoverableError, type JobsOptions } from 'bullmq'
import { z } from 'zod'
import type { IntegrationKey } from '#app/generated/prisma/enums.ts'
import { createQueue, enqueue } from './connection.server.ts'

/**
 * The integration queues: one per external system (`sync-storefront`, `sync-payments`, …), so an integration's
 * circuit breaker or a person can pause exactly that system's work while the others go on. Payloads carry ids
 * only (never secrets or personal data). The worker side is `workers/integrations/<system>/`.
 */

export const INTEGRATION_KEYS = ['storefront', 'payments', 'carrier', 'warehouse', 'helpdesk'] as const satisfies readonly IntegrationKey[]

export function integrationQueueName(key: IntegrationKey) {
  return `sync-${key}`
}

/** `sync-payments` → `payments`; null for queues that are not an integration's. */
export function integrationOfQueue(queue: string): IntegrationKey | null {
  const key = queue.startsWith('sync-') ? queue.slice('sync-'.length) : ''
  return (INTEGRATION_KEYS as readonly string[]).includes(key) ? (key as IntegrationKey) : null
}

/**
 * What each integration pulls incrementally and reconciles: drives the schedulers (scheduleIntegrationJobs) and
 * "Sync now" (enqueueSyncNow). Each name is a resource of the integration's connector
 * (workers/integrations/<system>/index.ts `resources`; a test checks they are the same lists).
 */
export const SYNC_RESOURCES = {
  storefront: ['orders'],
  payments: ['payments'],
  // Outbound parcels, and the return labels bought for returns (their parcels coming back: in transit).
  carrier: ['shipments', 'return_labels'],
  warehouse: ['stock'],
  helpdesk: ['messages'],
} as const satisfies Record<IntegrationKey, readonly string[]>

const resource = z.string().regex(/^[a-z_]+$/, 'a resource name such as "orders"')

export const IntegrationJobSchemas = {
  /** Incremental pull by cursor (`updated_since` + page cursor) of one resource. */
  pull: z.object({ resource }).strict(),
  /** Compares a recent window with the provider and repairs drift (e.g. a dropped webhook). */
  reconcile: z.object({ resource, windowHours: z.number().int().min(1).max(24 * 90).optional() }).strict(),
  /** Processes one verified inbox event (WebhookEvent.id). */
  webhook: z.object({ webhookEventId: z.string().min(1).max(64) }).strict(),
  /** Performs one outbound effect from the transactional outbox (OutboxMessage.id, a bigint as a string). */
  effect: z.object({ outboxId: z.string().regex(/^\d+$/, 'an outbox id') }).strict(),
  /** Fetches one storefront order by its id there and upserts it (storefront only). */
  'import-order': z.object({ externalId: z.string().min(1).max(64) }).strict(),
} as const

export type IntegrationJobName = keyof typeof IntegrationJobSchemas
export type IntegrationJobData<Name extends IntegrationJobName = IntegrationJobName> = z.infer<(typeof IntegrationJobSchemas)[Name]>

export function getIntegrationQueue(key: IntegrationKey) {
  return createQueue<IntegrationJobData>(integrationQueueName(key))
}

/** Validates a job of an integration queue; a bad name or payload is a permanent failure with a readable cause. */
export function parseIntegrationJob(name: string, data: unknown): { name: IntegrationJobName; data: IntegrationJobData } {
  if (!(name in IntegrationJobSchemas)) throw new UnrecoverableError(`unknown integration job "${name}"`)
  const result = IntegrationJobSchemas[name as IntegrationJobName].safeParse(data)
  if (!result.success) {
    throw new UnrecoverableError(
      `invalid ${name} payload: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}`,
    )
  }
  return { name: name as IntegrationJobName, data: result.data }
}

/**
 * Job ids are deterministic where the work is (BullMQ ignores an add whose id exists), and never contain ":"
 * (BullMQ refuses custom ids with a colon).
 */
export const jobIds = {
  webhook: (webhookEventId: string) => `webhook-${webhookEventId}`,
  effect: (outboxId: string | bigint) => `outbox-${outboxId}`,
  importOrder: (externalId: string) => `import-order-${externalId}`,
  /** "Sync now": one per click. */
  manualPull: (resource: string, at = Date.now()) => `pull-${resource}-manual-${at}`,
}

export async function enqueueWebhookProcessing(key: IntegrationKey, webhookEventId: string) {
  return enqueue(getIntegrationQueue(key), 'webhook', { webhookEventId }, { jobId: jobIds.webhook(webhookEventId) })
}

export async function enqueueEffect(key: IntegrationKey, outboxId: string | bigint) {
  return enqueue(getIntegrationQueue(key), 'effect', { outboxId: String(outboxId) }, { jobId: jobIds.effect(outboxId) })
}

export async function enqueueOrderImport(externalId: string, opts: JobsOptions = {}) {
  return enqueue(getIntegrationQueue('storefront'), 'import-order', { externalId }, { jobId: jobIds.importOrder(externalId), ...opts })
}

/** "Sync now": an incremental pull of every resource of the integration, right away. */
export async function enqueueSyncNow(key: IntegrationKey) {
  const at = Date.now()
  return Promise.all(
    SYNC_RESOURCES[key].map((name) => enqueue(getIntegrationQueue(key), 'pull', { resource: name }, { jobId: jobIds.manualPull(name, at) })),
  )
}

/** The outbox topic's integration: `payments.capture` → `payments`. */
export function integrationOfTopic(topic: string): IntegrationKey | null {
  const key = topic.split('.')[0] ?? ''
  return (INTEGRATION_KEYS as readonly string[]).includes(key) ? (key as IntegrationKey) : null
}

/**
 * Relays (outbox, inbox) re-enqueue work whose job may already exist: a waiting/active/delayed one is left alone
 * (the add is a no-op thanks to the deterministic id), but a finished one kept in the queue's history (failed, then
 * replayed by a person) would swallow the add: it is removed and the job added again.
 */
async function enqueueAgain(key: IntegrationKey, name: IntegrationJobName, data: IntegrationJobData, jobId: string) {
  const queue = getIntegrationQueue(key)
  // NOTE: `add` with an existing id returns a Job built from the arguments, not the stored one: ask for the stored.
  const existing = await queue.getJob(jobId)
  if (existing) {
    const state = await existing.getState()
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return existing
    if (state !== 'unknown') await existing.remove()
  }
  return enqueue(queue, name, data, { jobId })
}

export function requeueEffect(key: IntegrationKey, outboxId: string | bigint) {
  return enqueueAgain(key, 'effect', { outboxId: String(outboxId) }, jobIds.effect(outboxId))
}

export function requeueWebhookProcessing(key: IntegrationKey, webhookEventId: string) {
  return enqueueAgain(key, 'webhook', { webhookEventId }, jobIds.webhook(webhookEventId))
}

export const schedulerIds = {
  pull: (resource: string) => `pull:${resource}`,
  reconcile: (resource: string) => `reconcile:${resource}`,
}

/**
 * Registers (idempotently, from every worker process) each integration's recurring pull and reconciliation.
 * NOTE: scheduled runs get one attempt: the next tick is their retry, and a provider outage should not fill the
 * dead-letter table with one row per tick (the failed JobRun/SyncRun rows and the breaker record it instead).
 */
export async function scheduleIntegrationJobs(keys: readonly IntegrationKey[], options: { syncEveryMs: number; reconcileEveryMs: number }) {
  for (const key of keys) {
    const queue = getIntegrationQueue(key)
    for (const resourceName of SYNC_RESOURCES[key]) {
      await queue.upsertJobScheduler(
        schedulerIds.pull(resourceName),
        { every: options.syncEveryMs },
        { name: 'pull', data: { resource: resourceName }, opts: { attempts: 1, removeOnComplete: { count: 200 }, removeOnFail: { count: 500 } } },
      )
      await queue.upsertJobScheduler(
        schedulerIds.reconcile(resourceName),
        { every: options.reconcileEveryMs },
        { name: 'reconcile', data: { resource: resourceName }, opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 200 } } },
      )
    }
  }
}
