-- A checkout made from an agreement (an accepted offer, a won auction) buys its one line at the
-- agreed price: which agreement, and the holder key its units were held under before the
-- checkout took them over. One agreement may have several checkouts over time (a declined card
-- tries again), never two at once: the service checks, the attempt number keeps ids apart.
-- depends: 0085.checkout-failed-status

ALTER TABLE checkouts ADD COLUMN agreement_kind text CHECK (agreement_kind IN ('offer', 'auction'));
ALTER TABLE checkouts ADD COLUMN agreement_source_id text CHECK (agreement_source_id <> '');
ALTER TABLE checkouts ADD COLUMN agreement_holder text CHECK (agreement_holder <> '');
ALTER TABLE checkouts ADD CONSTRAINT checkouts_agreement_complete CHECK (
    (agreement_kind IS NULL) = (agreement_source_id IS NULL)
    AND (agreement_kind IS NULL) = (agreement_holder IS NULL)
);

CREATE INDEX checkouts_agreement_idx ON checkouts (agreement_kind, agreement_source_id, created_at)
    WHERE agreement_kind IS NOT NULL;
