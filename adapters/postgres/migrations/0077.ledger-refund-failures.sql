-- A refund Stripe reports failed is reversed in the ledger (workflows/ledger/__init__.py):
-- 'refund_failed' negates the refund's entry; 'refund_returned' brings a paid refund's money back.
-- depends: 0075.fee-cap-once

ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_kind_check;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_kind_check
    CHECK (kind IN ('payment', 'fee', 'refund', 'refund_paid', 'refund_failed', 'refund_returned',
                    'transfer', 'reversal', 'payout', 'stripe_fee'));
