-- Reservations for a batch of orders the sales channel just wrote, in the import's own transaction (app/models/
-- order-import.server.ts): the accepted orders (confirmed / processing) of the batch that have stocked lines reserve
-- by "inventory_reserve_order" (each all or nothing, as before), earliest placed first. The import holds the locks of
-- one order's levels until it commits, so when the batch has several orders every level they may take is locked
-- first, in id order (like reserveOrderStock's own multi-level lock): two import transactions sharing SKUs wait for
-- each other instead of deadlocking. One round trip for the whole batch; orders with nothing to reserve cost nothing.
-- (Timestamp after the inventory migrations it builds on.)
CREATE FUNCTION "inventory_reserve_orders"(p_order_ids text[], p_actor_id text)
RETURNS TABLE (o_order_id text, o_ok boolean, o_reserved json, o_wants json)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
  v_ids text[];
BEGIN
  SELECT coalesce(array_agg(o.id ORDER BY o."placedAt", o.id), '{}') INTO v_ids
    FROM "Order" o
   WHERE o.id = ANY(p_order_ids) AND o.status IN ('confirmed', 'processing')
     AND EXISTS (SELECT 1 FROM "OrderLine" ol WHERE ol."orderId" = o.id AND ol."variantId" IS NOT NULL);
  IF cardinality(v_ids) > 1 THEN
    PERFORM 1 FROM "InventoryLevel" l
     WHERE l."variantId" IN (SELECT ol."variantId" FROM "OrderLine" ol WHERE ol."orderId" = ANY(v_ids) AND ol."variantId" IS NOT NULL)
     ORDER BY l.id FOR UPDATE;
  END IF;
  FOREACH o_order_id IN ARRAY v_ids LOOP
    SELECT r.o_ok, r.o_reserved, r.o_wants INTO o_ok, o_reserved, o_wants FROM "inventory_reserve_order"(o_order_id, p_actor_id) r;
    RETURN NEXT;
  END LOOP;
END
$fn$;
