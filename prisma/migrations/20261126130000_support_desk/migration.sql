-- Support desk (issue 6): reply tokens and CSAT time on tickets, macros, the indexes the ticket views and search
-- use, and the live ticket feed (server/realtime.tickets.ts).

-- Reply token: random, unguessable; OpsDeck's mails carry "[OD-<token>]" so a customer's answer threads back.
ALTER TABLE "Ticket" ADD COLUMN "csatAt" TIMESTAMPTZ(3);
ALTER TABLE "Ticket" ADD COLUMN "replyToken" TEXT NOT NULL DEFAULT substr(md5(random()::text || clock_timestamp()::text), 1, 12);
CREATE UNIQUE INDEX "Ticket_replyToken_key" ON "Ticket"("replyToken");

-- Views: "created" sort, and "my open" (assignee + status) read in updated order without a sort step.
CREATE INDEX "Ticket_createdAt_id_idx" ON "Ticket"("createdAt" DESC, "id" DESC);
CREATE INDEX "Ticket_assigneeId_status_updatedAt_id_idx" ON "Ticket"("assigneeId", "status", "updatedAt" DESC, "id" DESC);
-- "Unassigned" among unsolved tickets: small and hot, so a partial index.
CREATE INDEX "Ticket_unassigned_updatedAt_idx" ON "Ticket"("updatedAt" DESC, "id" DESC)
  WHERE "assigneeId" IS NULL AND "status" IN ('new', 'open', 'pending', 'on_hold');
-- Status views in updated order.
CREATE INDEX "Ticket_status_updatedAt_id_idx" ON "Ticket"("status", "updatedAt" DESC, "id" DESC);
-- "By tag" views and tag filters.
CREATE INDEX "Ticket_tags_gin_idx" ON "Ticket" USING gin ("tags");
-- Search: message bodies by trigram (subject and requester email already have theirs).
CREATE INDEX "TicketMessage_body_trgm_idx" ON "TicketMessage" USING gin ("body" gin_trgm_ops);
-- Sidebar/threading: a requester's tickets and "sender + subject" matching.
CREATE INDEX "Ticket_requesterEmail_createdAt_idx" ON "Ticket"("requesterEmail", "createdAt" DESC);

-- Macros.
CREATE TABLE "Macro" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "setStatus" "TicketStatus",
    "addTags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT "Macro_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Macro_name_key" ON "Macro"("name");

-- Live ticket feed: like the order feed (20261125180000_order_feed), one NOTIFY per statement on
-- 'opsdeck_ticket_feed' when tickets are inserted or updated, or messages are added (the ticket's id is sent), on
-- commit only, whichever process wrote the rows (web, the helpdesk worker, scripts).
CREATE OR REPLACE FUNCTION "opsdeck_ticket_feed_notify"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  touched bigint;
  ids text[];
  op text;
BEGIN
  IF TG_TABLE_NAME = 'TicketMessage' THEN
    SELECT count(DISTINCT "ticketId"), array_agg(DISTINCT "ticketId") INTO touched, ids FROM new_rows;
    op := 'message';
  ELSE
    SELECT count(*), array_agg("id") INTO touched, ids FROM new_rows;
    op := CASE TG_OP WHEN 'INSERT' THEN 'insert' ELSE 'update' END;
  END IF;
  IF touched = 0 THEN
    RETURN NULL;
  END IF;
  IF touched <= 100 THEN
    PERFORM pg_notify('opsdeck_ticket_feed', json_build_object('op', op, 'ids', ids)::text);
  ELSE
    PERFORM pg_notify('opsdeck_ticket_feed', json_build_object('op', op, 'many', touched)::text);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Ticket_feed_insert"
  AFTER INSERT ON "Ticket"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "opsdeck_ticket_feed_notify"();

CREATE TRIGGER "Ticket_feed_update"
  AFTER UPDATE ON "Ticket"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "opsdeck_ticket_feed_notify"();

CREATE TRIGGER "TicketMessage_feed_insert"
  AFTER INSERT ON "TicketMessage"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "opsdeck_ticket_feed_notify"();
