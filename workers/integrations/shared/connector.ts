import type { z } from 'zod'
import type { IntegrationKey } from '#app/generated/prisma/enums.ts'
import type { IntegrationJobData, IntegrationJobName } from '#app/queues/integrations.server.ts'
import type { Logger } from '#app/utils/logger.server.ts'
import type { ProviderClient } from './http.ts'

/**
 * What each external system plugs into the sync engine (workers/integrations/shared/processor.ts). A system's
 * folder exports one `Connector` from its `index.ts`; the engine owns everything around it: queues, retries,
 * backoff, the rate-limit gate, the circuit breaker, cursors, sync runs, the run log, dead letters and record links.
 * A connector only knows its provider's API and the mapping to OpsDeck's tables.
 */

/** Business records a job or webhook can be linked to (RecordLink.entityType). */
export type LinkEntity = 'order' | 'return' | 'ticket' | 'sku' | 'customer' | 'payment' | 'fulfillment'

export type JobContext = {
  key: IntegrationKey
  client: ProviderClient
  log: Logger
  /** BullMQ job id (deterministic for webhooks/effects/imports). */
  jobId: string
  /** 1 for the first attempt. */
  attempt: number
  /** The queue the job runs on (`sync-<key>`). */
  queue: string
  /** Tags the job (or webhook) with a record it touched; the engine writes the RecordLink rows after success. */
  link(entityType: LinkEntity, entityId: string): void
  /** One line for the run log, e.g. "page of 50 orders: 3 created, 47 updated". Last call wins. */
  summarize(text: string): void
}

export type PullPage = {
  seen: number
  created: number
  updated: number
  skipped: number
  /**
   * `updated_at` of items that cannot be applied YET (e.g. a payment whose order is not imported): the pull keeps
   * its cursor at the earliest of them, so the next pull sees them again (for DEFER_LIMIT_MS at most; after that
   * the reconciliation is their safety net).
   */
  deferred?: string[]
}

/** Every list item the engine pages through has at least these (the cursor is the last item's `updated_at`). */
export type SyncItem = { id: string; updated_at: string }

export type SyncResource<Item extends SyncItem = SyncItem> = {
  /** Relative to the provider's base URL, e.g. '/orders'. */
  listPath: string
  itemSchema: z.ZodType<Item, z.ZodTypeDef, unknown>
  /** Upsert one page in ONE transaction; ignore items older than what is stored (count them as skipped). */
  applyPage(items: Item[], ctx: JobContext): Promise<PullPage>
}

export type WebhookEventInfo = { id: string; type: string; created_at: string }

/** 'ignored' = older than what is stored, or not ours; 'processed' otherwise. Throw to fail (retried). */
export type WebhookHandler = (data: unknown, event: WebhookEventInfo, ctx: JobContext) => Promise<'processed' | 'ignored'>

/** Calls the provider with `ctx.idempotencyKey` (the outbox row's), then records the result in OpsDeck. */
export type EffectHandler = (payload: unknown, ctx: JobContext & { idempotencyKey: string }) => Promise<void>

export type ExtraJobHandler<Name extends IntegrationJobName = IntegrationJobName> = (
  data: IntegrationJobData<Name>,
  ctx: JobContext,
) => Promise<void>

export type Connector = {
  key: IntegrationKey
  /** The cheapest authenticated call; the breaker's probe. Throws (a ProviderError) when the provider is not OK. */
  probe(client: ProviderClient): Promise<void>
  /** One entry per name in SYNC_RESOURCES[key]. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each resource has its own item type (see defineResource)
  resources: Record<string, SyncResource<any>>
  /** Webhook topic (`order.updated`) → handler. Unknown topics are marked ignored by the engine. */
  webhookTopics: Record<string, WebhookHandler>
  /** Outbox topic (`payments.capture`) → handler. */
  effects: Record<string, EffectHandler>
  /** Jobs beyond pull/reconcile/webhook/effect, e.g. the storefront's 'import-order'. */
  extraJobs?: { [Name in IntegrationJobName]?: ExtraJobHandler<Name> }
}

/** Keeps a resource's item type through to applyPage (a plain object literal would widen it to SyncItem). */
export function defineResource<Item extends SyncItem>(resource: SyncResource<Item>): SyncResource<Item> {
  return resource
}

export function defineConnector(connector: Connector): Connector {
  return connector
}
