-- CreateEnum
CREATE TYPE "WebhookVerification" AS ENUM ('verified', 'missing_signature', 'bad_signature', 'malformed', 'too_large', 'unknown_provider');

-- CreateEnum
CREATE TYPE "JobRunStatus" AS ENUM ('completed', 'retrying', 'failed', 'rate_limited');

-- AlterTable
ALTER TABLE "InventoryLevel" ADD COLUMN     "externalUpdatedAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "externalUpdatedAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "Fulfillment" ADD COLUMN     "externalUpdatedAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "Integration" ADD COLUMN     "breakerProbeAt" TIMESTAMPTZ(3),
ADD COLUMN     "pausedAt" TIMESTAMPTZ(3),
ADD COLUMN     "pausedById" TEXT,
ADD COLUMN     "rateLimitedUntil" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "DeadLetter" ADD COLUMN     "integration" "IntegrationKey",
ADD COLUMN     "request" JSONB,
ADD COLUMN     "response" JSONB;

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" BIGSERIAL NOT NULL,
    "provider" TEXT NOT NULL,
    "verification" "WebhookVerification" NOT NULL,
    "statusCode" INTEGER NOT NULL,
    "eventId" TEXT,
    "topic" TEXT,
    "bodyBytes" INTEGER NOT NULL,
    "duplicate" BOOLEAN NOT NULL DEFAULT false,
    "reason" TEXT,
    "webhookEventId" TEXT,
    "remoteAddress" TEXT,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobRun" (
    "id" BIGSERIAL NOT NULL,
    "integration" "IntegrationKey",
    "queue" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status" "JobRunStatus" NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "summary" TEXT,
    "error" TEXT,
    "request" JSONB,
    "response" JSONB,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "finishedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "JobRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WebhookDelivery_provider_receivedAt_idx" ON "WebhookDelivery"("provider", "receivedAt" DESC);

-- CreateIndex
CREATE INDEX "WebhookDelivery_receivedAt_idx" ON "WebhookDelivery"("receivedAt");

-- CreateIndex
CREATE INDEX "JobRun_integration_finishedAt_idx" ON "JobRun"("integration", "finishedAt" DESC);

-- CreateIndex
CREATE INDEX "JobRun_queue_jobId_idx" ON "JobRun"("queue", "jobId");

-- CreateIndex
CREATE INDEX "JobRun_finishedAt_idx" ON "JobRun"("finishedAt");

-- CreateIndex
CREATE INDEX "DeadLetter_integration_status_idx" ON "DeadLetter"("integration", "status");

-- AddForeignKey
ALTER TABLE "Integration" ADD CONSTRAINT "Integration_pausedById_fkey" FOREIGN KEY ("pausedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Hand-written: job search by text on the run log's errors (drill-down search box).
CREATE INDEX "JobRun_error_trgm_idx" ON "JobRun" USING gin ("error" gin_trgm_ops) WHERE "error" IS NOT NULL;
-- One running sync run per integration and kind: a second pull/reconcile of the same resource waits its turn
-- (a run whose worker died is marked cancelled after its lease, see app/models/integration-sync.server.ts).
CREATE UNIQUE INDEX "SyncRun_one_running_idx" ON "SyncRun"("integrationId", "kind") WHERE "status" = 'running';
