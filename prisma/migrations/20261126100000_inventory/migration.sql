-- Inventory (issue 5): reconciliation runs, ledger paging per SKU, name search.

CREATE TABLE "InventoryReconciliation" (
    "id" TEXT NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),
    "levelsChecked" INTEGER NOT NULL DEFAULT 0,
    "drifted" INTEGER NOT NULL DEFAULT 0,
    "repaired" INTEGER NOT NULL DEFAULT 0,
    "ledgerDrifted" INTEGER NOT NULL DEFAULT 0,
    "details" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    CONSTRAINT "InventoryReconciliation_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "InventoryReconciliation_startedAt_idx" ON "InventoryReconciliation"("startedAt" DESC);

-- The SKU page pages its ledger newest first (keyset on id).
CREATE INDEX "InventoryLedgerEntry_variantId_id_idx" ON "InventoryLedgerEntry" ("variantId", "id" DESC);
-- Open reservations per line (reserve counts what a line already holds; reconciliation sums them per level).
CREATE INDEX "Reservation_open_line_idx" ON "Reservation" ("orderLineId") WHERE "status" = 'open';
-- /inventory search by product or variant name (trigram, like the orders list's name search).
CREATE INDEX "Product_title_trgm_idx" ON "Product" USING gin ("title" gin_trgm_ops);
