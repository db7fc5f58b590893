import { fakeId, type Faker } from '#test/factories/faker.ts'
import { alertMessage } from '#app/models/alert-rules.ts'

/**
 * Demo alert rules (issue 7), one per kind the issue names, on the metrics the pipeline records
 * (app/metrics/catalog.ts) and the alerts worker's top-SKU signal — so `npm start` fires real alerts as soon as
 * the data says so. One resolved alert is history (an integration outage acknowledged and over).
 */
export function demoAlerting(f: Faker, now: Date, { createdById, acknowledgedById }: { createdById: string; acknowledgedById: string }) {
  const MINUTE = 60_000
  const rules = [
    { name: 'Slow responses (p95 > 500 ms)', metric: 'http_request_duration_seconds_p95', condition: 'gt' as const, threshold: 0.5, durationSeconds: 60, severity: 'warning' as const, scope: {} },
    { name: 'Queue lag above 60 s', metric: 'queue_lag_seconds', condition: 'gt' as const, threshold: 60, durationSeconds: 60, severity: 'warning' as const, scope: {} },
    { name: 'HTTP error rate above 2 %', metric: 'http_error_ratio', condition: 'gt' as const, threshold: 0.02, durationSeconds: 120, severity: 'critical' as const, scope: {} },
    { name: 'Integration down', metric: 'integration_up', condition: 'lt' as const, threshold: 1, durationSeconds: 60, severity: 'critical' as const, scope: {} },
    { name: 'Top SKU out of stock', metric: 'top_sku_stockout', condition: 'gte' as const, threshold: 1, durationSeconds: 0, severity: 'warning' as const, scope: {} },
    { name: 'SLA breaches above 5', metric: 'sla_breaches', condition: 'gt' as const, threshold: 5, durationSeconds: 0, severity: 'critical' as const, scope: {} },
    { name: 'Orders stalled', metric: 'orders_per_minute', condition: 'lt' as const, threshold: 0.05, durationSeconds: 1800, severity: 'info' as const, scope: {} },
  ].map((rule) => ({ id: fakeId(f), ...rule, createdById, createdAt: new Date(now.getTime() - 60 * 24 * 60 * MINUTE) }))
  const down = rules[3]!
  const alerts = [
    {
      id: fakeId(f),
      ruleId: down.id,
      fingerprint: 'integration=carrier',
      status: 'resolved' as const,
      value: 0,
      message: alertMessage(down, 0, 'integration=carrier'),
      firedAt: new Date(now.getTime() - 40 * MINUTE),
      acknowledgedAt: new Date(now.getTime() - 35 * MINUTE),
      acknowledgedById,
      resolvedAt: new Date(now.getTime() - 30 * MINUTE),
    },
  ]
  return { rules, alerts }
}
