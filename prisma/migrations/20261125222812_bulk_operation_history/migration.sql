-- The bulk operations history (/orders/bulk, app/models/bulk-operation.server.ts listBulkOperations): an admin sees
-- every person's operations of an area newest first, paged by keyset on (createdAt, id). A person's own list uses
-- BulkOperation_actorId_createdAt_idx.
CREATE INDEX "BulkOperation_area_createdAt_id_idx" ON "BulkOperation"("area", "createdAt" DESC, "id" DESC);
