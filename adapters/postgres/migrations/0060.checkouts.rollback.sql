DROP INDEX IF EXISTS notification_deliveries_reference_idx;
ALTER TABLE notification_deliveries DROP COLUMN IF EXISTS reference;
DROP TABLE IF EXISTS checkout_events;
ALTER TABLE orders DROP COLUMN IF EXISTS paid_at;
ALTER TABLE orders DROP COLUMN IF EXISTS charge_id;
ALTER TABLE orders DROP COLUMN IF EXISTS ship_to;
DROP TABLE IF EXISTS checkouts;
