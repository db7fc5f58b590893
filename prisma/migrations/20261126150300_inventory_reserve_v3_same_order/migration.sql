-- inventory_reserve_order v3, one correction (20261126150200_inventory_reserve_v3 otherwise unchanged): on the one-SKU
-- path the level now reserves exactly the units of the Reservation rows just written. v3 read what the order needs
-- twice (to choose the location, then when writing the rows, each in its own snapshot); had the same order been
-- reserved by another call in between, the rows would have been none but the level would still have been raised.
CREATE OR REPLACE FUNCTION "inventory_reserve_order"(p_order_id text, p_actor_id text,
  OUT o_ok boolean, OUT o_reserved json, OUT o_wants json, OUT o_written bigint)
LANGUAGE plpgsql
-- Plan once per connection: a custom plan per call would cost as much as the statements themselves.
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
  v_skus int;
  v_variant text;
  v_qty int;
  v_level text;
  v_location text;
BEGIN
  o_ok := false;
  o_reserved := '[]'::json;
  o_wants := '[]'::json;
  o_written := 0;

  -- What the order still needs: per line ordered − cancelled − what its open or committed reservations hold.
  SELECT count(DISTINCT x.variant_id), min(x.variant_id), coalesce(sum(x.qty), 0)::int
    INTO v_skus, v_variant, v_qty
    FROM (
      SELECT ol."variantId" AS variant_id,
             ol."quantityOrdered" - ol."quantityCancelled"
               - coalesce((SELECT sum(r.quantity) FROM "Reservation" r WHERE r."orderLineId" = ol.id AND r.status <> 'released'), 0)::int AS qty
      FROM "OrderLine" ol WHERE ol."orderId" = p_order_id AND ol."variantId" IS NOT NULL
    ) x WHERE x.qty > 0;

  IF v_skus = 0 THEN
    o_ok := true;
    RETURN;
  END IF;

  IF v_skus = 1 THEN
    SELECT l.id, l."locationId" INTO v_level, v_location
      FROM "InventoryLevel" l JOIN "Location" loc ON loc.id = l."locationId" AND loc."isActive"
      WHERE l."variantId" = v_variant AND l."onHand" - l.reserved >= v_qty
      ORDER BY loc.code LIMIT 1;
    IF v_level IS NOT NULL THEN
      BEGIN
        WITH lines AS (
          SELECT ol.id AS line_id,
                 ol."quantityOrdered" - ol."quantityCancelled"
                   - coalesce((SELECT sum(r.quantity) FROM "Reservation" r WHERE r."orderLineId" = ol.id AND r.status <> 'released'), 0)::int AS qty
          FROM "OrderLine" ol WHERE ol."orderId" = p_order_id AND ol."variantId" = v_variant
        ), res AS (
          INSERT INTO "Reservation" (id, "orderLineId", "locationId", quantity, status, "updatedAt")
          SELECT 'c' || replace(gen_random_uuid()::text, '-', ''), ln.line_id, v_location, ln.qty, 'open'::"ReservationStatus", now()
          FROM lines ln WHERE ln.qty > 0
          RETURNING id, "orderLineId", "locationId", quantity
        ), led AS (
          INSERT INTO "InventoryLedgerEntry" ("variantId", "locationId", kind, "reservedDelta", reason, "actorId", "orderId", "reservationId")
          SELECT v_variant, res."locationId", 'reserve'::"InventoryLedgerKind", res.quantity, 'Order ' || o.number || ' accepted', p_actor_id, o.id, res.id
          FROM res CROSS JOIN (SELECT id, number FROM "Order" WHERE id = p_order_id) o
          RETURNING 1
        )
        SELECT json_agg(json_build_object('orderLineId', "orderLineId", 'locationId', "locationId", 'quantity', quantity)), (SELECT count(*) FROM led),
               coalesce(sum(quantity), 0)::int
          INTO o_reserved, o_written, v_qty FROM res;
        -- What was just written is what the level reserves (the lines are read again here, in this statement's
        -- snapshot: the same order reserved by another call meanwhile leaves nothing to do).
        IF v_qty = 0 THEN
          o_ok := true;
          o_reserved := '[]'::json;
          o_written := 0;
          RETURN;
        END IF;
        -- The guard, last: from here to the commit the level row is locked.
        UPDATE "InventoryLevel" SET reserved = reserved + v_qty, version = version + 1, "updatedAt" = now()
          WHERE id = v_level AND "onHand" - reserved >= v_qty;
        IF NOT FOUND THEN
          RAISE EXCEPTION USING ERRCODE = 'OD409', MESSAGE = 'the units were reserved by another order meanwhile';
        END IF;
        o_ok := true;
        RETURN;
      EXCEPTION WHEN SQLSTATE 'OD409' THEN
        -- Rolled back to the block's start: nothing of this attempt remains. Refused below.
        o_reserved := '[]'::json;
        o_written := 0;
      END;
    END IF;
  ELSE
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
        -- Lock every chosen level first, in id order (two orders sharing SKUs wait instead of deadlocking), and decide
        -- on the locked rows before writing any.
        SELECT l.id, l."onHand" - l.reserved AS available FROM "InventoryLevel" l
        WHERE l.id IN (SELECT level_id FROM pick) ORDER BY l.id FOR UPDATE
      ), verdict AS (
        SELECT (SELECT count(*) FROM pick) = (SELECT count(*) FROM want) AND coalesce(bool_and(k.available >= p.qty), true) AS ok
        FROM pick p JOIN locked k ON k.id = p.level_id
      ), upd AS (
        UPDATE "InventoryLevel" l SET reserved = l.reserved + p.qty, version = l.version + 1, "updatedAt" = now()
        FROM pick p
        WHERE l.id = p.level_id
          AND (SELECT ok FROM verdict)
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
    IF o_ok THEN
      RETURN;
    END IF;
    o_reserved := '[]'::json;
  END IF;

  -- Refused: say, per SKU, what was wanted and the most any active location has now (a read after the fact, in a
  -- new snapshot; nothing was written).
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
END
$fn$;
