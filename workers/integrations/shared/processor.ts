import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq'
import { ZodError } from 'zod'
import {
  beginWebhookAttempt,
  finishWebhookEvent,
  getIntegrationControl,
  isPausedByPerson,
  markIntegrationError,
  markIntegrationSuccess,
  noteWebhookError,
  recordDeadLetter,
  recordJobRun,
  type IntegrationControl,
  type RecordLinkInput,
} from '#app/models/integration-sync.server.ts'
import { beginOutboxAttempt, markOutboxFailed, markOutboxSent, noteOutboxError } from '#app/models/outbox.server.ts'
import {
  getIntegrationQueue,
  integrationQueueName,
  parseIntegrationJob,
  type IntegrationJobData,
  type IntegrationJobName,
} from '#app/queues/integrations.server.ts'
import type { Logger } from '#app/utils/logger.server.ts'
import { onRetryableFailure, onSuccess } from './breaker.ts'
import type { Connector, JobContext, LinkEntity } from './connector.ts'
import { createProviderClient, ProviderError, type ProviderClient } from './http.ts'
import { primeRateLimitGate } from './rate-limit-gate.ts'
import { pullResource, reconcileResource } from './sync.ts'

/**
 * The one processor of every integration queue. Around the connector's code it does, for every attempt:
 * - refuses to run while the integration is paused by a person or its breaker is open (the job goes back to
 *   delayed without using an attempt; the queue itself is paused, this covers jobs fetched just before);
 * - classifies failures: ProviderError `rate_limited` → the queue-wide BullMQ rate limit for Retry-After and
 *   `Worker.RateLimitError()` (the job waits, no attempt used); `permanent`, validation (ZodError) and
 *   UnrecoverableError → not retried; everything else is retried with DEFAULT_JOB_OPTIONS' backoff + jitter, and a
 *   provider's retryable failure counts towards the circuit breaker;
 * - writes one JobRun per attempt, the RecordLinks of a success, and a DeadLetter when the job is done for good;
 * - marks the inbox event / outbox row of webhook and effect jobs.
 */

/** Paused or open-breaker integrations: a job fetched anyway comes back after this. */
const PAUSED_RECHECK_MS = 5_000
/**
 * A control read younger than this is shared by the jobs that start meanwhile: a person's pause or an opened breaker
 * reaches jobs already fetched within it (the queue itself is paused at once). The same order of time as the
 * rate-limit gate's reuse (rate-limit-gate.ts), and it saves the import a query per job.
 */
const CONTROL_FRESH_MS = 20
/** lastSuccessAt is for people ("last success 3 s ago"): one write per few seconds per process is enough. */
const SUCCESS_MARK_INTERVAL_MS = 2_000

/**
 * Jobs that shared one provider request (a batched fetch: storefront/client.ts) fail with the same error object: the
 * request failed once, so it counts once towards the breaker and sets the queue's rate limit once.
 */
const reportedErrors = new WeakSet<ProviderError>()
function firstReport(error: ProviderError) {
  if (reportedErrors.has(error)) return false
  reportedErrors.add(error)
  return true
}

export function createIntegrationProcessor(connector: Connector, log: Logger, client: ProviderClient = createProviderClient(connector.key)) {
  const key = connector.key
  const queue = integrationQueueName(key)
  let lastSuccessMark = 0
  let lastControl: { at: number; read: Promise<IntegrationControl> } | undefined
  const readControl = () => {
    const now = Date.now()
    if (!lastControl || now - lastControl.at >= CONTROL_FRESH_MS) {
      const read = getIntegrationControl(key)
      lastControl = { at: now, read }
      // A failed read is not shared: the next job reads again.
      read.catch(() => {
        if (lastControl?.read === read) lastControl = undefined
      })
    }
    return lastControl
  }

  return async function processIntegrationJob(job: Job, token?: string) {
    const startedAt = new Date()
    const attempt = job.attemptsMade + 1
    const jobId = job.id ?? '?'
    const links: Array<{ entityType: LinkEntity; entityId: string }> = []
    let summary = ''
    const ctx: JobContext = {
      key,
      client,
      log,
      jobId,
      attempt,
      queue,
      link: (entityType, entityId) => void links.push({ entityType, entityId }),
      summarize: (text) => void (summary = text),
    }

    let parsed: { name: IntegrationJobName; data: IntegrationJobData } | undefined
    let control: IntegrationControl | undefined
    try {
      parsed = parseIntegrationJob(job.name, job.data)
      const controlRead = readControl()
      control = await controlRead.read
      if (isPausedByPerson(control) || control.breakerState === 'open') {
        await job.moveToDelayed(Date.now() + PAUSED_RECHECK_MS, token)
        throw new DelayedError(`${key} is ${control.breakerState === 'open' ? 'down (breaker open)' : 'paused'}`)
      }
      // The row just read is fresh: the first call of this job need not read the gate again.
      primeRateLimitGate(key, control.rateLimitedUntil, controlRead.at)

      const source = await run(connector, parsed, ctx, control.id)
      const finishedAt = new Date()
      const sourceLinks: RecordLinkInput[] = links.map((link) => ({ ...source, ...link }))
      await recordJobRun(
        { integration: key, queue, jobId, name: job.name, attempt, status: 'completed', startedAt, finishedAt, summary: summary || null },
        sourceLinks,
      )
      if (control.breakerState === 'half_open' || control.breakerFailures > 0) await onSuccess(key, log)
      if (finishedAt.getTime() - lastSuccessMark > SUCCESS_MARK_INTERVAL_MS) {
        lastSuccessMark = finishedAt.getTime()
        await markIntegrationSuccess(key, finishedAt)
      }
      return { summary }
    } catch (error) {
      if (error instanceof DelayedError) throw error
      return handleFailure(error)
    }

    async function handleFailure(error: unknown): Promise<never> {
      const finishedAt = new Date()
      const providerError = error instanceof ProviderError ? error : undefined
      const message = error instanceof Error ? error.message : String(error)
      const exchange = { request: providerError?.request, response: providerError?.response }

      if (providerError?.kind === 'rate_limited') {
        const waitMs = Math.max(1, providerError.retryAfterMs ?? 1_000)
        // Queue-wide: no worker (any process) fetches another job of this queue before Retry-After has elapsed.
        if (firstReport(providerError)) await getIntegrationQueue(key).rateLimit(waitMs)
        await recordJobRun({ integration: key, queue, jobId, name: job.name, attempt, status: 'rate_limited', startedAt, finishedAt, error: message, ...exchange })
        throw Worker.RateLimitError()
      }

      const permanent =
        providerError?.kind === 'permanent' || error instanceof UnrecoverableError || error instanceof ZodError || parsed === undefined
      const final = permanent || attempt >= (job.opts.attempts ?? 1)
      if (providerError?.kind === 'retryable' && firstReport(providerError)) await onRetryableFailure(key, log)
      await recordJobRun({
        integration: key,
        queue,
        jobId,
        name: job.name,
        attempt,
        status: final ? 'failed' : 'retrying',
        startedAt,
        finishedAt,
        summary: summary || null,
        error: message,
        ...exchange,
      })
      await markIntegrationError(key, message, finishedAt)
      if (parsed?.name === 'webhook') {
        const id = (parsed.data as IntegrationJobData<'webhook'>).webhookEventId
        await (final ? finishWebhookEvent(id, 'failed', message) : noteWebhookError(id, message)).catch(() => {})
      }
      if (parsed?.name === 'effect') {
        const id = BigInt((parsed.data as IntegrationJobData<'effect'>).outboxId)
        await (final ? markOutboxFailed(id, message) : noteOutboxError(id, message))
      }
      // A scheduled run's retry is the next tick (see scheduleIntegrationJobs): not a dead letter.
      if (final && !job.repeatJobKey) {
        await recordDeadLetter({
          queue,
          jobId,
          name: job.name,
          payload: job.data,
          error: message,
          stack: error instanceof Error ? error.stack : null,
          attempts: attempt,
          integration: key,
          ...exchange,
        })
      }
      if (permanent && !(error instanceof UnrecoverableError)) throw new UnrecoverableError(message)
      throw error
    }
  }
}

/** Runs the job's work; returns the RecordLink source of what it touched. */
async function run(
  connector: Connector,
  job: { name: IntegrationJobName; data: IntegrationJobData },
  ctx: JobContext,
  integrationId: string,
): Promise<{ sourceType: 'job' | 'webhook'; sourceId: string }> {
  const jobSource = { sourceType: 'job' as const, sourceId: `${ctx.queue}/${ctx.jobId}` }
  switch (job.name) {
    case 'pull': {
      const { resource } = job.data as IntegrationJobData<'pull'>
      await pullResource(connector, resource, ctx, integrationId)
      return jobSource
    }
    case 'reconcile': {
      const { resource, windowHours } = job.data as IntegrationJobData<'reconcile'>
      await reconcileResource(connector, resource, ctx, integrationId, windowHours)
      return jobSource
    }
    case 'webhook': {
      const { webhookEventId } = job.data as IntegrationJobData<'webhook'>
      await processWebhook(connector, webhookEventId, ctx)
      return { sourceType: 'webhook', sourceId: webhookEventId }
    }
    case 'effect': {
      const { outboxId } = job.data as IntegrationJobData<'effect'>
      await performEffect(connector, BigInt(outboxId), ctx)
      return jobSource
    }
    default: {
      const handler = connector.extraJobs?.[job.name] as ((data: IntegrationJobData, ctx: JobContext) => Promise<void>) | undefined
      if (!handler) throw new UnrecoverableError(`${connector.key} has no "${job.name}" job`)
      await handler(job.data, ctx)
      return jobSource
    }
  }
}

type Envelope = { id: string; type: string; created_at: string; data: unknown }

async function processWebhook(connector: Connector, webhookEventId: string, ctx: JobContext) {
  const event = await beginWebhookAttempt(webhookEventId)
  if (!event) throw new UnrecoverableError(`webhook event ${webhookEventId} not found`)
  if (event.status === 'processed' || event.status === 'ignored') {
    ctx.summarize(`${event.topic} ${webhookEventId}: already ${event.status}`)
    return
  }
  if (event.provider !== connector.key) throw new UnrecoverableError(`webhook event ${webhookEventId} is ${event.provider}'s, not ${connector.key}'s`)
  const handler = connector.webhookTopics[event.topic]
  if (!handler) {
    await finishWebhookEvent(webhookEventId, 'ignored', `no handler for topic ${event.topic}`)
    ctx.summarize(`${event.topic}: no handler; ignored`)
    return
  }
  const envelope = event.payload as Envelope
  let summarized = false
  const handlerCtx: JobContext = { ...ctx, summarize: (text) => ((summarized = true), ctx.summarize(text)) }
  const outcome = await handler(envelope.data, { id: envelope.id, type: envelope.type, created_at: envelope.created_at }, handlerCtx)
  await finishWebhookEvent(webhookEventId, outcome)
  if (!summarized) ctx.summarize(`${event.topic} ${envelope.id}: ${outcome === 'ignored' ? 'ignored (older than stored or not ours)' : 'processed'}`)
}

async function performEffect(connector: Connector, outboxId: bigint, ctx: JobContext) {
  const row = await beginOutboxAttempt(outboxId)
  if (!row) throw new UnrecoverableError(`outbox message ${outboxId} not found`)
  if (row.status === 'sent') {
    ctx.summarize(`${row.topic} ${row.idempotencyKey}: already sent`)
    return
  }
  const effect = connector.effects[row.topic]
  if (!effect) throw new UnrecoverableError(`${connector.key} has no effect "${row.topic}"`)
  let summarized = false
  await effect(row.payload, { ...ctx, idempotencyKey: row.idempotencyKey, summarize: (text) => ((summarized = true), ctx.summarize(text)) })
  await markOutboxSent(outboxId)
  // The effect's own summary says more (what it bought, or why it had nothing to do) than "sent".
  if (!summarized) ctx.summarize(`${row.topic} ${row.idempotencyKey}: sent`)
}
