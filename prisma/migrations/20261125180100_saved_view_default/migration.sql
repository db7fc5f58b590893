-- One default saved view per person and area (app/models/saved-view.server.ts also clears the previous default in
-- the same transaction; this index makes two concurrent "set default" clicks unable to leave two).
CREATE UNIQUE INDEX "SavedView_one_default_per_owner_area" ON "SavedView" ("ownerId", "area") WHERE "isDefault";
