-- Undo 0085.checkout-failed-status: a failed checkout reads as cancelled again (its error code kept).

ALTER TABLE checkouts DROP CONSTRAINT checkouts_status_check;

UPDATE checkouts SET status = 'cancelled' WHERE status = 'failed';

ALTER TABLE checkouts ADD CONSTRAINT checkouts_status_check
    CHECK (status IN ('pending', 'awaiting_payment', 'paid', 'payment_failed', 'expired', 'cancelled'));
