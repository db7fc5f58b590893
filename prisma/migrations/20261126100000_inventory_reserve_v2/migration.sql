-- The reservation statement, v2 (replaces the function of 20261126100000_inventory_reserve): an order whose stock is
-- one level (one SKU — the hot path of bench/hot-sku.ts) is checked by the guarded UPDATE itself, with no separate
-- FOR UPDATE first; orders over several levels still lock them all in id order and decide before writing. Still one
-- statement, all or nothing, and the CHECK InventoryLevel_quantities_check stays the last word.
CREATE OR REPLACE FUNCTION "inventory_reserve_order"(p_order_id text, p_actor_id text,
  OUT o_ok boolean, OUT o_reserved json, OUT o_wants json, OUT o_written bigint)
LANGUAGE plpgsql
-- Plan once per connection: a custom plan per call would cost as much as the statement itself.
SET plan_cache_mode = force_generic_plan
AS $fn$
BEGIN
    WITH ord AS (
      SELECT id, number FROM "Order" WHERE id = p_order_id
    ), lines AS (
      SELECT ol.id AS line_id, ol."variantId" AS variant_id,
             ol."quantityOrdered" - ol."quantityCancelled"
               - coalesce((SELECT sum(r.quantity) FROM "Reservation" r WHERE r."orderLineId" = ol.id AND r.status <> 'released'), 0)::int AS qty
      FROM "OrderLine" ol JOIN ord ON ord.id = ol."orderId"
      WHERE ol."variantId" IS NOT NULL
    ), want AS (
      SELECT variant_id, sum(qty)::int AS qty FROM lines WHERE qty > 0 GROUP BY variant_id
    ), stock AS (
      SELECT w.variant_id, w.qty, l.id AS level_id, l."locationId" AS location_id, loc.code, l."onHand" - l.reserved AS available
      FROM want w
      JOIN "InventoryLevel" l ON l."variantId" = w.variant_id
      JOIN "Location" loc ON loc.id = l."locationId" AND loc."isActive"
    ), home AS (
      SELECT location_id FROM stock WHERE available >= qty
      GROUP BY location_id, code HAVING count(*) = (SELECT count(*) FROM want)
      ORDER BY code LIMIT 1
    ), pick AS (
      SELECT DISTINCT ON (variant_id) variant_id, qty, level_id, location_id FROM stock
      ORDER BY variant_id, (location_id = (SELECT location_id FROM home)) IS TRUE DESC, available DESC, code
    ), single AS (
      -- One level to change (one SKU, the common case): the guarded UPDATE alone is the check — it locks the row and
      -- re-tests availability on the latest version, so no separate FOR UPDATE (one tuple write less while locked).
      SELECT (SELECT count(*) FROM pick) = 1 AS yes
    ), locked AS (
      -- Several levels: lock them all first, in id order (two orders sharing SKUs wait instead of deadlocking), and
      -- decide on the locked rows before writing any.
      SELECT l.id, l."onHand" - l.reserved AS available FROM "InventoryLevel" l
      WHERE l.id IN (SELECT level_id FROM pick) AND NOT (SELECT yes FROM single) ORDER BY l.id FOR UPDATE
    ), verdict AS (
      SELECT (SELECT count(*) FROM pick) = (SELECT count(*) FROM want) AND coalesce(bool_and(k.available >= p.qty), true) AS ok
      FROM pick p JOIN locked k ON k.id = p.level_id
    ), upd AS (
      UPDATE "InventoryLevel" l SET reserved = l.reserved + p.qty, version = l.version + 1, "updatedAt" = now()
      FROM pick p
      WHERE l.id = p.level_id
        AND CASE WHEN (SELECT yes FROM single) THEN l."onHand" - l.reserved >= p.qty ELSE (SELECT ok FROM verdict) END
      RETURNING l.id
    ), done AS (
      -- All or nothing: every SKU had a level and every chosen level was updated.
      SELECT (SELECT count(*) FROM pick) = (SELECT count(*) FROM want) AND (SELECT count(*) FROM upd) = (SELECT count(*) FROM pick) AS ok
    ), res AS (
      INSERT INTO "Reservation" (id, "orderLineId", "locationId", quantity, status, "updatedAt")
      SELECT 'c' || replace(gen_random_uuid()::text, '-', ''), ln.line_id, p.location_id, ln.qty, 'open'::"ReservationStatus", now()
      FROM lines ln JOIN pick p ON p.variant_id = ln.variant_id
      WHERE ln.qty > 0 AND (SELECT ok FROM done)
      RETURNING id, "orderLineId", "locationId", quantity
    ), led AS (
      INSERT INTO "InventoryLedgerEntry" ("variantId", "locationId", kind, "reservedDelta", reason, "actorId", "orderId", "reservationId")
      SELECT ln.variant_id, res."locationId", 'reserve'::"InventoryLedgerKind", res.quantity, 'Order ' || ord.number || ' accepted',
             p_actor_id, ord.id, res.id
      FROM res JOIN lines ln ON ln.line_id = res."orderLineId" CROSS JOIN ord
      RETURNING 1
    )
    SELECT coalesce((SELECT ok FROM done), false),
           coalesce((SELECT json_agg(json_build_object('orderLineId', "orderLineId", 'locationId', "locationId", 'quantity', quantity)) FROM res), '[]'::json)
    , (SELECT count(*) FROM led)
    INTO o_ok, o_reserved, o_written;

  -- Refused: say, per SKU, what was wanted and the most any active location has now (a read after the fact, in a
  -- new snapshot; nothing was written and no single-level row was locked).
  IF o_ok THEN
    o_wants := '[]'::json;
  ELSE
    SELECT coalesce(json_agg(json_build_object('variantId', w.variant_id, 'sku', v.sku, 'wanted', w.qty, 'available', w.available) ORDER BY v.sku), '[]'::json)
      INTO o_wants
      FROM (
        SELECT x.variant_id, sum(x.qty)::int AS qty,
               (SELECT max(l."onHand" - l.reserved) FROM "InventoryLevel" l JOIN "Location" loc ON loc.id = l."locationId" AND loc."isActive"
                 WHERE l."variantId" = x.variant_id) AS available
        FROM (
          SELECT ol."variantId" AS variant_id,
                 ol."quantityOrdered" - ol."quantityCancelled"
                   - coalesce((SELECT sum(r.quantity) FROM "Reservation" r WHERE r."orderLineId" = ol.id AND r.status <> 'released'), 0)::int AS qty
          FROM "OrderLine" ol WHERE ol."orderId" = p_order_id AND ol."variantId" IS NOT NULL
        ) x WHERE x.qty > 0 GROUP BY x.variant_id
      ) w JOIN "ProductVariant" v ON v.id = w.variant_id;
  END IF;
END
$fn$;
