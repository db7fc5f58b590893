import type { AlertCondition, AlertSeverity, Prisma, PrismaClient } from '#app/generated/prisma/client.ts'
import { uniqueSuffix } from './faker.ts'

/** An alert rule on `metric` (by default: enabled, value > threshold, no duration, no scope). */
export async function createAlertRule(
  prisma: PrismaClient,
  overrides: {
    metric: string
    name?: string
    condition?: AlertCondition
    threshold?: number
    durationSeconds?: number
    severity?: AlertSeverity
    enabled?: boolean
    scope?: Record<string, string>
  },
) {
  return prisma.alertRule.create({
    data: {
      name: overrides.name ?? `Rule ${uniqueSuffix()}`,
      metric: overrides.metric,
      condition: overrides.condition ?? 'gt',
      threshold: overrides.threshold ?? 0,
      durationSeconds: overrides.durationSeconds ?? 0,
      severity: overrides.severity ?? 'warning',
      enabled: overrides.enabled ?? true,
      scope: (overrides.scope ?? {}) as Prisma.InputJsonValue,
    },
    select: { id: true, name: true, metric: true, version: true },
  })
}

/**
 * Writes one minute rollup of a synthetic metric stream: `value` as a single sample (count 1, sum = value), or
 * explicit count/sum/min/max/histogram. Upserts, so a test can overwrite a minute.
 */
export async function recordMetricMinute(
  prisma: PrismaClient,
  input: {
    metric: string
    bucket: Date
    labels?: string
    value?: number
    count?: number
    sum?: number
    min?: number | null
    max?: number | null
    histogram?: Record<string, number> | null
  },
) {
  const count = BigInt(input.count ?? 1)
  const sum = input.sum ?? input.value ?? 0
  const data = {
    count,
    sum,
    min: input.min ?? input.value ?? null,
    max: input.max ?? input.value ?? null,
    histogram: (input.histogram ?? undefined) as Prisma.InputJsonValue | undefined,
  }
  const labels = input.labels ?? ''
  await prisma.metricRollup.upsert({
    where: { metric_labels_bucket: { metric: input.metric, labels, bucket: input.bucket } },
    create: { metric: input.metric, labels, bucket: input.bucket, ...data },
    update: data,
    select: { id: true },
  })
}
