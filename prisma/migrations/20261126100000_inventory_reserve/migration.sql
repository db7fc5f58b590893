-- The reservation statement of app/models/inventory-stock.server.ts (reserveOrderStock) as a PL/pgSQL function, so
-- each connection plans it once (PL/pgSQL caches its statements' plans; the statement's planning cost ~5 ms was
-- most of a reservation's time, bench/hot-sku.ts). Still ONE statement: choose locations, lock the chosen levels in
-- id order, check every SKU (lines summed per SKU), then reserve all or nothing. See the model for the rules.
-- NOTE: no NOTIFY here: a transaction that NOTIFYs takes one database-wide lock at commit, which serialised every
-- reservation's commit (bench/hot-sku.ts measured it); low-stock signals are found by a poll instead.
CREATE FUNCTION "inventory_reserve_order"(p_order_id text, p_actor_id text,
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
    ), locked AS (
      -- Id order: two orders sharing SKUs lock them in the same order and wait instead of deadlocking.
      SELECT l.id, l."onHand" - l.reserved AS available FROM "InventoryLevel" l
      WHERE l.id IN (SELECT level_id FROM pick) ORDER BY l.id FOR UPDATE
    ), verdict AS (
      -- Evaluated (every chosen level locked, latest values) before any row is written.
      SELECT (SELECT count(*) FROM pick) = (SELECT count(*) FROM want) AND coalesce(bool_and(k.available >= p.qty), true) AS ok
      FROM pick p JOIN locked k ON k.id = p.level_id
    ), upd AS (
      UPDATE "InventoryLevel" l SET reserved = l.reserved + p.qty, version = l.version + 1, "updatedAt" = now()
      FROM pick p WHERE l.id = p.level_id AND (SELECT ok FROM verdict)
      RETURNING l.id
    ), res AS (
      INSERT INTO "Reservation" (id, "orderLineId", "locationId", quantity, status, "updatedAt")
      SELECT 'c' || replace(gen_random_uuid()::text, '-', ''), ln.line_id, p.location_id, ln.qty, 'open'::"ReservationStatus", now()
      FROM lines ln JOIN pick p ON p.variant_id = ln.variant_id
      WHERE ln.qty > 0 AND (SELECT ok FROM verdict)
      RETURNING id, "orderLineId", "locationId", quantity
    ), led AS (
      INSERT INTO "InventoryLedgerEntry" ("variantId", "locationId", kind, "reservedDelta", reason, "actorId", "orderId", "reservationId")
      SELECT ln.variant_id, res."locationId", 'reserve'::"InventoryLedgerKind", res.quantity, 'Order ' || ord.number || ' accepted',
             p_actor_id, ord.id, res.id
      FROM res JOIN lines ln ON ln.line_id = res."orderLineId" CROSS JOIN ord
      RETURNING 1
    )
    SELECT coalesce((SELECT ok FROM verdict), false),
           coalesce((SELECT json_agg(json_build_object('orderLineId', "orderLineId", 'locationId', "locationId", 'quantity', quantity)) FROM res), '[]'::json),
           coalesce((SELECT json_agg(json_build_object('variantId', w.variant_id, 'sku', v.sku, 'wanted', w.qty, 'available', k.available) ORDER BY v.sku)
                     FROM want w JOIN "ProductVariant" v ON v.id = w.variant_id
                     LEFT JOIN pick p ON p.variant_id = w.variant_id LEFT JOIN locked k ON k.id = p.level_id), '[]'::json)
    , (SELECT count(*) FROM led)
    INTO o_ok, o_reserved, o_wants, o_written;
END
$fn$;
