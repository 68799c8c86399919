-- Checkout statuses are lowercase snake_case, as every enumerated value the API answers or
-- accepts (pending, awaiting_payment, paid, payment_failed, expired, cancelled); error codes
-- alone stay upper case.
-- depends: 0060.checkouts

ALTER TABLE checkouts DROP CONSTRAINT checkouts_status_check;

UPDATE checkouts SET status = lower(status) WHERE status <> lower(status);

ALTER TABLE checkouts ALTER COLUMN status SET DEFAULT 'pending';

ALTER TABLE checkouts ADD CONSTRAINT checkouts_status_check
    CHECK (status IN ('pending', 'awaiting_payment', 'paid', 'payment_failed', 'expired', 'cancelled'));
