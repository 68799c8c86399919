-- Undo 0081.lowercase-checkout-status: the checkout statuses upper case again, as 0060 had them.

ALTER TABLE checkouts DROP CONSTRAINT checkouts_status_check;

UPDATE checkouts SET status = upper(status) WHERE status <> upper(status);

ALTER TABLE checkouts ALTER COLUMN status SET DEFAULT 'PENDING';

ALTER TABLE checkouts ADD CONSTRAINT checkouts_status_check
    CHECK (status IN ('PENDING', 'AWAITING_PAYMENT', 'PAID', 'PAYMENT_FAILED', 'EXPIRED', 'CANCELLED'));
