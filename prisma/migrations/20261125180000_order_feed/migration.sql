-- Live order feed (server/realtime.order-feed.ts): every statement that inserts or updates orders sends one
-- NOTIFY on 'opsdeck_order_feed', delivered by PostgreSQL to every web process's LISTEN connection when the
-- transaction commits (never for a rolled-back change, whichever process or script made it).
--
-- Why NOTIFY from a trigger rather than polling "updatedAt": it is transactional and ordered by commit, so a slow
-- transaction whose "updatedAt" is older than a poller's watermark is never missed, there is no per-node polling
-- query, and writers (web, workers, the sync engine's set-based upserts, scripts) need no code of their own.
--
-- Statement-level with a transition table, not FOR EACH ROW: one notification per statement however many rows it
-- touched (a NOTIFY payload is limited to 8000 bytes): up to 100 ids are listed, beyond that only the count
-- ("many"), and the listeners treat every visible row as changed.
CREATE OR REPLACE FUNCTION "opsdeck_order_feed_notify"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  touched bigint;
  ids text[];
BEGIN
  SELECT count(*) INTO touched FROM new_rows;
  IF touched = 0 THEN
    RETURN NULL;
  END IF;
  IF touched <= 100 THEN
    SELECT array_agg("id") INTO ids FROM new_rows;
    PERFORM pg_notify('opsdeck_order_feed', json_build_object('op', CASE TG_OP WHEN 'INSERT' THEN 'insert' ELSE 'update' END, 'ids', ids)::text);
  ELSE
    PERFORM pg_notify('opsdeck_order_feed', json_build_object('op', CASE TG_OP WHEN 'INSERT' THEN 'insert' ELSE 'update' END, 'many', touched)::text);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Order_feed_insert"
  AFTER INSERT ON "Order"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "opsdeck_order_feed_notify"();

CREATE TRIGGER "Order_feed_update"
  AFTER UPDATE ON "Order"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "opsdeck_order_feed_notify"();
