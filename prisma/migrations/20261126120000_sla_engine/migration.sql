-- SLA engine (issue 6, ADR 0007): one clock row per (subjectType, subjectId, metric) with its own target, calendar
-- and pauses, warning instants for the timers, generic (policy-less) clocks, and the history of every clock.

ALTER TABLE "SlaPolicy" ADD COLUMN "warningPercent" INTEGER NOT NULL DEFAULT 75;
ALTER TABLE "SlaPolicy" ADD CONSTRAINT "SlaPolicy_warningPercent_check" CHECK ("warningPercent" BETWEEN 1 AND 99);

ALTER TABLE "AppliedSla" ALTER COLUMN "policyId" DROP NOT NULL,
  ADD COLUMN "targetMinutes" INTEGER,
  ADD COLUMN "warnAfterMinutes" INTEGER,
  ADD COLUMN "calendar" JSONB,
  ADD COLUMN "pauses" JSONB NOT NULL DEFAULT '[]',
  ADD COLUMN "warningAt" TIMESTAMPTZ(3),
  ADD COLUMN "warnedAt" TIMESTAMPTZ(3);

-- Rows written before the engine existed take their policy's target and calendar.
UPDATE "AppliedSla" a SET
  "targetMinutes" = CASE a."metric" WHEN 'first_response' THEN p."firstResponseMinutes"
                                    WHEN 'next_response' THEN p."nextResponseMinutes"
                                    ELSE p."resolutionMinutes" END,
  "calendar" = p."calendar",
  "pauses" = CASE WHEN a."pausedAt" IS NULL THEN '[]'::jsonb
                  ELSE jsonb_build_array(jsonb_build_object('from', to_jsonb(a."pausedAt"), 'to', NULL)) END
FROM "SlaPolicy" p WHERE p."id" = a."policyId";
UPDATE "AppliedSla" SET "warnAfterMinutes" = ("targetMinutes" * 75) / 100;

ALTER TABLE "AppliedSla" ALTER COLUMN "targetMinutes" SET NOT NULL,
  ALTER COLUMN "warnAfterMinutes" SET NOT NULL,
  ALTER COLUMN "calendar" SET NOT NULL;
ALTER TABLE "AppliedSla" ADD CONSTRAINT "AppliedSla_target_check"
  CHECK ("targetMinutes" > 0 AND "warnAfterMinutes" >= 0 AND "warnAfterMinutes" <= "targetMinutes");

-- One clock per subject and metric: the engine's upserts and the idempotent generic API rely on it.
DROP INDEX "AppliedSla_subjectType_subjectId_idx";
CREATE UNIQUE INDEX "AppliedSla_subjectType_subjectId_metric_key" ON "AppliedSla"("subjectType", "subjectId", "metric");

-- The sweep's warning scan (the deadline scan uses AppliedSla_running_due_idx), and open breaches for the
-- live-ops metric: both tiny partial indexes over running clocks only.
CREATE INDEX "AppliedSla_running_warning_idx" ON "AppliedSla" ("warningAt")
  WHERE "satisfiedAt" IS NULL AND "warnedAt" IS NULL AND "pausedAt" IS NULL;
CREATE INDEX "AppliedSla_open_breach_idx" ON "AppliedSla" ("subjectType", "breachedAt")
  WHERE "satisfiedAt" IS NULL AND "breachedAt" IS NOT NULL;

CREATE TYPE "SlaEventKind" AS ENUM ('started', 'restarted', 'paused', 'resumed', 'satisfied', 'reopened', 'rematched', 'cancelled', 'warning', 'breached');

CREATE TABLE "SlaEvent" (
    "id" BIGSERIAL NOT NULL,
    "appliedSlaId" TEXT,
    "ticketId" TEXT,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "metric" "SlaMetric" NOT NULL,
    "kind" "SlaEventKind" NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "dueAt" TIMESTAMPTZ(3),
    "policyId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SlaEvent_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "SlaEvent_subjectType_subjectId_at_idx" ON "SlaEvent"("subjectType", "subjectId", "at");
CREATE INDEX "SlaEvent_ticketId_at_idx" ON "SlaEvent"("ticketId", "at");
CREATE INDEX "SlaEvent_kind_at_idx" ON "SlaEvent"("kind", "at");

ALTER TABLE "SlaEvent" ADD CONSTRAINT "SlaEvent_appliedSlaId_fkey" FOREIGN KEY ("appliedSlaId") REFERENCES "AppliedSla"("id") ON DELETE SET NULL ON UPDATE CASCADE;
