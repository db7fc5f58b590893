import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { enqueueSyncNow, getIntegrationQueue } from '#app/queues/integrations.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { deriveStatus, getIntegrationsHealth } from './integration-health.server.ts'

const NOW = new Date('2026-11-25T12:00:00.000Z')
const ago = (ms: number) => new Date(NOW.getTime() - ms)
const base = {
  key: 'payments' as const,
  name: 'Payment gateway',
  enabled: true,
  pausedAt: null,
  breakerState: 'closed' as const,
  breakerOpenedAt: null,
  breakerProbeAt: null,
  lastSuccessAt: ago(10_000),
  lastErrorAt: null,
  rateLimitedUntil: null,
}

describe('deriveStatus', () => {
  test('each rule, with its reason', () => {
    const quiet = { errorRate: null, lagSeconds: 0 }
    expect(deriveStatus(base, quiet, NOW)).toEqual({ status: 'healthy', statusReason: null })
    expect(deriveStatus({ ...base, enabled: false, pausedAt: ago(60_000), breakerState: 'open' }, quiet, NOW)).toEqual({
      status: 'paused',
      statusReason: 'paused by a person at 11:59:00 UTC',
    })
    expect(deriveStatus({ ...base, breakerState: 'open', breakerOpenedAt: ago(120_000), breakerProbeAt: new Date(NOW.getTime() + 5_000) }, quiet, NOW)).toEqual({
      status: 'down',
      statusReason: 'circuit breaker open since 11:58:00 UTC; next probe 12:00:05 UTC',
    })
    // Failing with no success for 10 minutes is down even with a closed breaker (e.g. every call a 4xx).
    expect(deriveStatus({ ...base, lastSuccessAt: ago(11 * 60_000), lastErrorAt: ago(1_000) }, { errorRate: 1, lagSeconds: 0 }, NOW).status).toBe('down')
    // …but a recent success makes it degraded, not down.
    expect(deriveStatus({ ...base, lastSuccessAt: ago(60_000), lastErrorAt: ago(1_000) }, { errorRate: 1, lagSeconds: 0 }, NOW)).toEqual({
      status: 'degraded',
      statusReason: 'error rate 100 % over 5 min',
    })
    expect(deriveStatus(base, { errorRate: 0.09, lagSeconds: 0 }, NOW).status).toBe('healthy')
    expect(deriveStatus(base, { errorRate: 0.1, lagSeconds: 0 }, NOW).status).toBe('degraded')
    expect(deriveStatus(base, { errorRate: 0, lagSeconds: 300 }, NOW)).toEqual({ status: 'degraded', statusReason: 'lag 5 min' })
    expect(deriveStatus({ ...base, breakerState: 'half_open' }, quiet, NOW).statusReason).toBe('circuit breaker half-open (probing)')
    expect(deriveStatus({ ...base, rateLimitedUntil: new Date(NOW.getTime() + 2_000) }, quiet, NOW)).toEqual({
      status: 'degraded',
      statusReason: 'rate limited until 12:00:02 UTC',
    })
    expect(deriveStatus({ ...base, rateLimitedUntil: ago(1_000) }, quiet, NOW).status).toBe('healthy')
  })
})

describe('getIntegrationsHealth', () => {
  beforeAll(async () => {
    for (const [key, name] of [
      ['storefront', 'Storefront'],
      ['payments', 'Payment gateway'],
      ['carrier', 'Shipping carrier'],
      ['warehouse', 'Warehouse (WMS)'],
      ['helpdesk', 'Helpdesk mail'],
    ] as const) {
      await prisma.integration.create({ data: { key, name, lastSuccessAt: ago(30_000) } })
    }
  })
  afterAll(async () => {
    await closeQueues()
  })

  test('figures from job runs, the inbox, dead letters and the queue', async () => {
    // payments: 20 attempts in the window, 4 failed/retrying, 2 rate limited (not errors); 1 outside the window.
    const run = (status: 'completed' | 'failed' | 'retrying' | 'rate_limited', finishedAt: Date) => ({
      integration: 'payments' as const,
      queue: 'sync-payments',
      jobId: `j-${Math.random()}`,
      name: 'pull',
      attempt: 1,
      status,
      durationMs: 5,
      startedAt: finishedAt,
      finishedAt,
    })
    await prisma.jobRun.createMany({
      data: [
        ...Array.from({ length: 14 }, (_, i) => run('completed', ago(i * 10_000))),
        ...Array.from({ length: 2 }, () => run('failed', ago(20_000))),
        ...Array.from({ length: 2 }, () => run('retrying', ago(20_000))),
        ...Array.from({ length: 2 }, () => run('rate_limited', ago(20_000))),
        run('failed', ago(6 * 60_000)),
      ],
    })
    await prisma.integration.update({ where: { key: 'payments' }, data: { lastErrorAt: ago(20_000) } })
    await prisma.deadLetter.createMany({
      data: [
        { queue: 'sync-payments', jobId: 'a', name: 'effect', payload: { outboxId: '1' }, error: 'x', attempts: 5, failedAt: ago(1_000), integration: 'payments' },
        { queue: 'sync-payments', jobId: 'b', name: 'effect', payload: { outboxId: '2' }, error: 'x', attempts: 5, failedAt: ago(1_000), integration: 'payments', status: 'discarded' },
      ],
    })
    // carrier: a webhook waiting for 3 minutes → lag.
    await prisma.webhookEvent.create({ data: { provider: 'carrier', eventId: 'evt_1', topic: 'tracking.updated', payload: {}, receivedAt: ago(180_000) } })
    // warehouse: paused by a person; its queue paused with a job waiting.
    await prisma.integration.update({ where: { key: 'warehouse' }, data: { enabled: false, pausedAt: ago(5_000) } })
    await getIntegrationQueue('warehouse').pause()
    await enqueueSyncNow('warehouse')

    const health = await getIntegrationsHealth(NOW)
    const byKey = Object.fromEntries(health.integrations.map((row) => [row.key, row]))
    expect(health.integrations.map((row) => row.key)).toEqual(['storefront', 'payments', 'carrier', 'warehouse', 'helpdesk'])
    expect(byKey.storefront).toMatchObject({ status: 'healthy', errorRate: null, jobsPerMinute: 0, deadLetters: 0, lagSeconds: 0 })
    expect(byKey.payments).toMatchObject({ status: 'degraded', errorRate: 0.2, jobsPerMinute: 4, deadLetters: 1, statusReason: 'error rate 20 % over 5 min' })
    expect(byKey.carrier).toMatchObject({ status: 'degraded', lagSeconds: 180, statusReason: 'lag 3 min' })
    expect(byKey.warehouse).toMatchObject({ status: 'paused', queue: { waiting: 1, paused: true } })
  })
})
