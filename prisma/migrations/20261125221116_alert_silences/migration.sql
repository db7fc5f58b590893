-- Alertmanager-style silences by label matchers (issue 7): mute matching alerts between startsAt and endsAt.
CREATE TABLE "AlertSilence" (
    "id" TEXT NOT NULL,
    "matchers" JSONB NOT NULL,
    "startsAt" TIMESTAMPTZ(3) NOT NULL,
    "endsAt" TIMESTAMPTZ(3) NOT NULL,
    "comment" TEXT NOT NULL,
    "createdById" TEXT,
    "expiredById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "AlertSilence_pkey" PRIMARY KEY ("id"),
    -- A silence never ends before it starts (expiring a pending one sets both to now), and has at least one matcher (an empty list would mute everything).
    CONSTRAINT "AlertSilence_period_check" CHECK ("endsAt" >= "startsAt"),
    CONSTRAINT "AlertSilence_matchers_check" CHECK (jsonb_typeof("matchers") = 'array' AND jsonb_array_length("matchers") > 0)
);

CREATE INDEX "AlertSilence_endsAt_idx" ON "AlertSilence"("endsAt");

ALTER TABLE "AlertSilence" ADD CONSTRAINT "AlertSilence_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "AlertSilence" ADD CONSTRAINT "AlertSilence_expiredById_fkey" FOREIGN KEY ("expiredById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
