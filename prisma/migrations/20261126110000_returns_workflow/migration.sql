-- Returns workflow (issue 5): the RMA's step timestamps and reasons, the ticket it came from, its exchange order
-- and store credit, and per-line restock bookkeeping.
ALTER TABLE "Return" ADD COLUMN "ticketId" TEXT,
  ADD COLUMN "approvedAt" TIMESTAMPTZ(3),
  ADD COLUMN "rejectedAt" TIMESTAMPTZ(3),
  ADD COLUMN "rejectReason" TEXT,
  ADD COLUMN "inTransitAt" TIMESTAMPTZ(3),
  ADD COLUMN "cancelledAt" TIMESTAMPTZ(3),
  ADD COLUMN "cancelReason" TEXT,
  ADD COLUMN "exchangeOrderId" TEXT,
  ADD COLUMN "storeCreditAmount" INTEGER;

ALTER TABLE "ReturnLine" ADD COLUMN "quantityRestocked" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "restockLocationId" TEXT;

CREATE INDEX "Return_createdAt_id_idx" ON "Return"("createdAt" DESC, "id" DESC);
CREATE INDEX "Return_ticketId_idx" ON "Return"("ticketId");

-- Restocked units are received, undamaged units; store credit is a positive amount.
ALTER TABLE "ReturnLine" ADD CONSTRAINT "ReturnLine_restocked_check"
  CHECK ("quantityRestocked" >= 0 AND "quantityRestocked" <= "quantityReceived" - "quantityDamaged");
ALTER TABLE "Return" ADD CONSTRAINT "Return_storeCreditAmount_check" CHECK ("storeCreditAmount" IS NULL OR "storeCreditAmount" > 0);
