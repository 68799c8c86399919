-- A checkout that ended because something failed on the platform's side (a step that failed for
-- good, a missing fee schedule, a payment that could not be recorded) is 'failed', no longer
-- 'cancelled': the buyer can tell "we failed" from "you cancelled". Its error code says which.
-- depends: 0081.lowercase-checkout-status

ALTER TABLE checkouts DROP CONSTRAINT checkouts_status_check;

ALTER TABLE checkouts ADD CONSTRAINT checkouts_status_check
    CHECK (status IN ('pending', 'awaiting_payment', 'paid', 'payment_failed', 'expired', 'cancelled', 'failed'));
