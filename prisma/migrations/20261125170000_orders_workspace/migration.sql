-- CreateEnum
CREATE TYPE "BulkOperationKind" AS ENUM ('tag', 'assign', 'fulfil', 'ship', 'cancel', 'export');

-- CreateEnum
CREATE TYPE "BulkOperationStatus" AS ENUM ('queued', 'running', 'completed', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "BulkItemOutcome" AS ENUM ('succeeded', 'skipped', 'failed');

-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "assigneeId" TEXT;

-- CreateTable
CREATE TABLE "OrderNote" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "authorId" TEXT,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OrderNote_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BulkOperation" (
    "id" TEXT NOT NULL,
    "area" "SavedViewArea" NOT NULL DEFAULT 'orders',
    "kind" "BulkOperationKind" NOT NULL,
    "status" "BulkOperationStatus" NOT NULL DEFAULT 'queued',
    "actorId" TEXT,
    "selection" JSONB NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "total" INTEGER NOT NULL DEFAULT 0,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "succeeded" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "filePath" TEXT,
    "fileBytes" BIGINT,
    "error" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "BulkOperation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BulkOperationItem" (
    "id" BIGSERIAL NOT NULL,
    "operationId" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "outcome" "BulkItemOutcome" NOT NULL,
    "reason" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BulkOperationItem_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "OrderNote_orderId_createdAt_idx" ON "OrderNote"("orderId", "createdAt");

-- CreateIndex
CREATE INDEX "BulkOperation_actorId_createdAt_idx" ON "BulkOperation"("actorId", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "BulkOperation_status_createdAt_idx" ON "BulkOperation"("status", "createdAt");

-- CreateIndex
CREATE INDEX "BulkOperationItem_operationId_outcome_id_idx" ON "BulkOperationItem"("operationId", "outcome", "id");

-- CreateIndex
CREATE UNIQUE INDEX "BulkOperationItem_operationId_entityId_key" ON "BulkOperationItem"("operationId", "entityId");

-- CreateIndex
CREATE INDEX "Order_assigneeId_placedAt_idx" ON "Order"("assigneeId", "placedAt" DESC);

-- CreateIndex
CREATE INDEX "Order_totalAmount_id_idx" ON "Order"("totalAmount", "id");

-- CreateIndex
CREATE INDEX "Order_channel_placedAt_idx" ON "Order"("channel", "placedAt" DESC);

-- AddForeignKey
ALTER TABLE "Order" ADD CONSTRAINT "Order_assigneeId_fkey" FOREIGN KEY ("assigneeId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderNote" ADD CONSTRAINT "OrderNote_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderNote" ADD CONSTRAINT "OrderNote_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BulkOperation" ADD CONSTRAINT "BulkOperation_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BulkOperationItem" ADD CONSTRAINT "BulkOperationItem_operationId_fkey" FOREIGN KEY ("operationId") REFERENCES "BulkOperation"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Orders list filters (hand-written): tags (array containment) and the shipping country.
CREATE INDEX "Order_tags_gin_idx" ON "Order" USING gin ("tags");
CREATE INDEX "Order_shipping_country_placedAt_idx" ON "Order" (("shippingAddress" ->> 'country'), "placedAt" DESC);
-- A note is not empty.
ALTER TABLE "OrderNote" ADD CONSTRAINT "OrderNote_body_not_blank" CHECK (length(btrim("body")) > 0);
