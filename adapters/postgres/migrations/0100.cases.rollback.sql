ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_kind_check;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_kind_check
    CHECK (kind IN ('payment', 'fee', 'refund', 'refund_paid', 'refund_failed', 'refund_returned',
                    'transfer', 'reversal', 'payout', 'stripe_fee')) NOT VALID;
DROP TABLE IF EXISTS case_events;
DROP TABLE IF EXISTS cases;
