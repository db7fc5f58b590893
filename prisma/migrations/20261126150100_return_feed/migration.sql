-- Live return page (server/realtime.returns.ts): every statement that writes returns, or refunds linked to a return,
-- sends one NOTIFY on 'opsdeck_return_feed' with the return ids, delivered to every web process's LISTEN connection
-- when the transaction commits — whoever wrote it (a person's step, the carrier sync, the gateway's refund answer,
-- a script). Every step of a return bumps Return.version, so the Return row covers its lines, stock and audit; a
-- refund's status changes on the Refund row only. Same shape as the order feed (20261125180000_order_feed):
-- statement-level with a transition table, up to 100 ids listed, beyond that only "many". NOTE: a transaction that
-- NOTIFYs takes a database-wide lock at commit (why stock levels are polled, server/realtime.inventory.ts): fine for
-- returns (people's steps, a few a minute); refunds without a return (the order page's, the payments sync's) send none.
CREATE OR REPLACE FUNCTION "opsdeck_return_feed_notify"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ids text[];
BEGIN
  IF TG_TABLE_NAME = 'Return' THEN
    SELECT array_agg(DISTINCT "id") INTO ids FROM new_rows;
  ELSE
    SELECT array_agg(DISTINCT "returnId") INTO ids FROM new_rows WHERE "returnId" IS NOT NULL;
  END IF;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  IF cardinality(ids) <= 100 THEN
    PERFORM pg_notify('opsdeck_return_feed', json_build_object('ids', ids)::text);
  ELSE
    PERFORM pg_notify('opsdeck_return_feed', json_build_object('many', cardinality(ids))::text);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Return_feed_insert" AFTER INSERT ON "Return" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "opsdeck_return_feed_notify"();
CREATE TRIGGER "Return_feed_update" AFTER UPDATE ON "Return" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "opsdeck_return_feed_notify"();
CREATE TRIGGER "Refund_return_feed_insert" AFTER INSERT ON "Refund" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "opsdeck_return_feed_notify"();
CREATE TRIGGER "Refund_return_feed_update" AFTER UPDATE ON "Refund" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "opsdeck_return_feed_notify"();
