-- The quotes a checkout asked the fee calculation for, kept by the step that priced them
-- (fee_calculation's Calculate Fees, nested in the checkout) so that only the quote's id travels
-- between the checkout's states and Create Orders reads the quote by it. A retried execution
-- prices again under the same id: the row is replaced. Quotes for POST /fees/quote are answered,
-- never kept.
-- depends: 0030.fee-schedules

CREATE TABLE fee_quotes (
    quote_id    text PRIMARY KEY CHECK (quote_id <> ''),         -- the fee execution's name
    held_by     text NOT NULL CHECK (held_by <> ''),             -- the checkout holding the units
    quote       jsonb NOT NULL,                                  -- QuoteView: sellers, currency, quoted_at
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX fee_quotes_held_by_idx ON fee_quotes (held_by);
