-- Support desk (issue 6): the "By tag" queue counts read tags of unsolved tickets only; a partial GIN index holds just
-- those (a fraction of all tickets), so each tag's capped count reads a short posting list (bench/ticket-views).
CREATE INDEX "Ticket_unsolved_tags_gin_idx" ON "Ticket" USING gin ("tags")
  WHERE "status" IN ('new', 'open', 'pending', 'on_hold');
